module {
  "coreai.graph"() <{function_type = (tensor<2x3xf32>) -> tensor<2x4xf32>, param_decls = #param.decl.array<[]>, sym_name = "main"}> ({
  ^bb0(%arg0: tensor<2x3xf32>):
    %w = "coreai.constant"() {value = dense<[[-0.256, 0.511, -0.226, -0.315], [-0.93, -0.213, 1.112, 0.424], [1.037, 0.249, 0.395, 0.185]]> : tensor<3x4xf32>} : () -> tensor<3x4xf32> loc("proj.weight")
    %y = "coreai.batch_matmul"(%arg0, %w) : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
    %z = "coreai.batch_matmul"(%arg0, %w) : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
    %s = "coreai.add"(%y, %z) : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
    "coreai.output"(%s) : (tensor<2x4xf32>) -> ()
  }) : () -> ()
}
