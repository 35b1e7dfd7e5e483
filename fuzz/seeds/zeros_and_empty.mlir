module {
  "coreai.graph"() <{function_type = (tensor<1x8xf16>) -> tensor<1x8xf16>, param_decls = #param.decl.array<[]>, sym_name = "main"}> ({
  ^bb0(%arg0: tensor<1x8xf16>):
    %w = "coreai.constant"() <{value = dense<"0x000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000003C00BC00380040"> : tensor<8x8xf16>}> : () -> tensor<8x8xf16> loc(fused["a", "b"])
    %e = "coreai.constant"() <{value = dense<> : tensor<0x8xf16>}> : () -> tensor<0x8xf16>
    %y = "coreai.batch_matmul"(%arg0, %w) : (tensor<1x8xf16>, tensor<8x8xf16>) -> tensor<1x8xf16>
    %z = "coreai.batch_matmul"(%e, %w) : (tensor<0x8xf16>, tensor<8x8xf16>) -> tensor<0x8xf16>
    "coreai.output"(%y) : (tensor<1x8xf16>) -> ()
  }) : () -> ()
}
