module {
  "coreai.graph"() <{function_type = (tensor<2x16xf16>) -> tensor<2x16xf16>, sym_name = "main"}> ({
  ^bb0(%arg0: tensor<2x16xf16>):
    %i = "coreai.constant"() <{value = dense_resource<token_ids> : tensor<64xsi32>}> : () -> tensor<64xsi32> loc("ids")
    "coreai.output"(%arg0) : (tensor<2x16xf16>) -> ()
  }) : () -> ()
}
