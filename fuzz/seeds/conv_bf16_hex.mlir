module {
  "coreai.graph"() <{function_type = (tensor<1x2x5x5xbf16>) -> tensor<1x2x3x3xbf16>, param_decls = #param.decl.array<[]>, sym_name = "main"}> ({
  ^bb0(%arg0: tensor<1x2x5x5xbf16>):
    %w = "coreai.constant"() <{value = dense<"0xD5BF5A3F013FFF3ED8BFDFBF63BFEFBE9C3E3CBD053F24BF9E3EC93E29BFDB3F0E3F993F1EBF3DBFB0BED9BD213F7D3EE4BE74BF05BF9C3F4EBF7A3EDA3EBEBF443DA73F00C0A4BE"> : tensor<2x2x3x3xbf16>}> : () -> tensor<2x2x3x3xbf16> loc("conv1.weight")
    %st = "coreai.constant"() <{value = dense<1> : tensor<2xui32>}> : () -> tensor<2xui32>
    %g = "coreai.constant"() <{value = dense<1> : tensor<ui32>}> : () -> tensor<ui32>
    %y = "coreai.conv2d"(%arg0, %w, %st, %st, %g) : (tensor<1x2x5x5xbf16>, tensor<2x2x3x3xbf16>, tensor<2xui32>, tensor<2xui32>, tensor<ui32>) -> tensor<1x2x3x3xbf16>
    "coreai.output"(%y) : (tensor<1x2x3x3xbf16>) -> ()
  }) : () -> ()
}
