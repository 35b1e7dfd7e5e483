module {
  "coreai.graph"() <{function_type = (tensor<2x4xf16>) -> tensor<2x8xf16>, param_decls = #param.decl.array<[]>, sym_name = "main"}> ({
  ^bb0(%arg0: tensor<2x4xf16>):
    %w = "coreai.constant"() <{value = dense<1.500000e+00> : tensor<4x8xf16>}> : () -> tensor<4x8xf16>
    %y = "coreai.batch_matmul"(%arg0, %w) : (tensor<2x4xf16>, tensor<4x8xf16>) -> tensor<2x8xf16>
    "coreai.output"(%y) : (tensor<2x8xf16>) -> ()
  }) : () -> ()
}
