module {
  "coreai.graph"() <{function_type = (tensor<1x4xf32>) -> tensor<1x4xf32>, param_decls = #param.decl.array<[]>, sym_name = "main"}> ({
  ^bb0(%arg0: tensor<1x4xf32>):
    %w = "coreai.constant"() <{value = dense<"0xD7A3B0BF713D0ABE759318BE0000C07F0AD7B33FBC7483BF7368A13FD34DA2BFD57849BF0000807F1283903F6DE75B3FD7A3B03E7368113EE3A51B3E3333133F"> : tensor<4x4xf32>}> : () -> tensor<4x4xf32> loc("bad.weight")
    %y = "coreai.batch_matmul"(%arg0, %w) : (tensor<1x4xf32>, tensor<4x4xf32>) -> tensor<1x4xf32>
    "coreai.output"(%y) : (tensor<1x4xf32>) -> ()
  }) : () -> ()
}
