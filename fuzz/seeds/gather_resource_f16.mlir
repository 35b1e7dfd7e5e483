module {
  "coreai.graph"() <{function_type = (tensor<3x1xsi32>) -> tensor<3x4xf16>, param_decls = #param.decl.array<[]>, sym_name = "main"}> ({
  ^bb0(%arg0: tensor<3x1xsi32>):
    %e = "coreai.constant"() <{value = dense_resource<embed> : tensor<16x4xf16>}> : () -> tensor<16x4xf16> loc("embed.weight")
    %i = "coreai.constant"() <{value = dense<[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]> : tensor<10xsi32>}> : () -> tensor<10xsi32>
    %b = "coreai.constant"() <{value = dense<[[0.5, 0.25, 1.0, 2.0], [0.5, 0.25, 1.0, 2.0], [3.0, 4.0, 5.0, 6.0]]> : tensor<3x4xf16>}> : () -> tensor<3x4xf16>
    %s = "coreai.constant"() <{value = dense<2.0> : tensor<f32>}> : () -> tensor<f32>
    %g = "coreai.gather_nd"(%e, %arg0) : (tensor<16x4xf16>, tensor<3x1xsi32>) -> tensor<3x4xf16>
    %y = "coreai.add"(%g, %b) : (tensor<3x4xf16>, tensor<3x4xf16>) -> tensor<3x4xf16>
    "coreai.output"(%y) : (tensor<3x4xf16>) -> ()
  }) : () -> ()
}
{-#
  dialect_resources: {
    builtin: {
      embed: "0x02000000C9AE89BAF437F0ABDCBDA03A5A39913BC43DCB359E2F32BDEC38E5B83FB70FBDBEBB3FB8283D10C0D5BDA633C63DA0389ABF09C1B635E3B97BBCD13B683C0631DF33F236603EF4382738623846BE213DA43B3D38E5BF12B9BC3A3EBFE3B1143C3EBD713E6A38CDB033353339AE2F963C4CB9A4B62B3CE9260ABB913BDC3D1FB7"
    }
  }
#-}
