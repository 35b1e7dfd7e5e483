module {
  "coreai.graph"() <{function_type = (tensor<2x16xf16>) -> tensor<2x8xf16>, sym_name = "main"}> ({
  ^bb0(%arg0: tensor<2x16xf16>):
    %w = "coreai.constant"() <{value = dense<1.000000e+00> : tensor<4294967296x4294967296x16xf16>}> : () -> tensor<4294967296x4294967296x16xf16> loc("huge.weight")
    %y = "coreai.batch_matmul"(%arg0, %w) : (tensor<2x16xf16>, tensor<4294967296x4294967296x16xf16>) -> tensor<2x8xf16>
    "coreai.output"(%y) : (tensor<2x8xf16>) -> ()
  }) : () -> ()
}
