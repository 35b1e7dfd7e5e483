module {
  "coreai.graph"() <{function_type = (tensor<2x16xf16>) -> tensor<2x8xf16>, sym_name = "main"}> ({
  ^bb0(%arg0: tensor<2x16xf16>):
    %w = "coreai.constant"() <{value = dense_resource<proj_weight> : tensor<16x8xf16>}> : () -> tensor<16x8xf16> loc("proj.weight")
    %y = "coreai.batch_matmul"(%arg0, %w) : (tensor<2x16xf16>, tensor<16x8xf16>) -> tensor<2x8xf16>
    "coreai.output"(%y) : (tensor<2x8xf16>) -> ()
  }) : () -> ()
}
{-#
  dialect_resources: {
    builtin: {
      proj_weight: "0x02000000003C00BC0038"
    }
  }
#-}
