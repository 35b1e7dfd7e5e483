module {
  "coreai.graph"() <{function_type = (tensor<2x3x4xf16>, tensor<6xf16>) -> tensor<2x3x6xf16>, param_decls = #param.decl.array<[]>, sym_name = "main"}> ({
  ^bb0(%arg0: tensor<2x3x4xf16>, %arg1: tensor<6xf16>):
    %p = "coreai.constant"() <{value = dense<[0, 2, 1]> : tensor<3xui32>}> : () -> tensor<3xui32>
    %w = "coreai.constant"() <{value = dense<"0xA2B16F34963819141D3A873806403335D9B6F8B5A8A2643B64B52D36593F21C17FBCCF335E36A633E5B63D3983342DB8DC40AE356FB856AE3BB308AC75C1CBB7093CADBC4AACA23BD93AF73DCEBEA6B575B5FC385E3C5EC15B3CCBBD7739F8BD"> : tensor<2x6x4xf16>}> : () -> tensor<2x6x4xf16> loc("blocks.0.w")
    %t = "coreai.transpose"(%w, %p) : (tensor<2x6x4xf16>, tensor<3xui32>) -> tensor<2x4x6xf16>
    %y = "coreai.batch_matmul"(%arg0, %t) : (tensor<2x3x4xf16>, tensor<2x4x6xf16>) -> tensor<2x3x6xf16>
    %z = "coreai.batch_matmul"(%t, %w) : (tensor<2x4x6xf16>, tensor<2x6x4xf16>) -> tensor<2x4x4xf16>
    %v = "coreai.constant"() <{value = dense<"0xA231C83CC5B01D32603A8330A2AD223E313CB4B47D4197BC"> : tensor<12xf16>}> : () -> tensor<12xf16>
    %i = "coreai.constant"() <{value = dense<[[0], [5], [11]]> : tensor<3x1xsi32>}> : () -> tensor<3x1xsi32>
    %q = "coreai.gather_nd"(%v, %i) : (tensor<12xf16>, tensor<3x1xsi32>) -> tensor<3xf16>
    "coreai.output"(%y) : (tensor<2x3x6xf16>) -> ()
  }) : () -> ()
}
