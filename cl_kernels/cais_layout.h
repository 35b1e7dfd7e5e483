/*
 * cais_layout.h -- the tables the OpenCL backend shares between the host
 * (host/compute/opencl) and the kernels (cl_kernels/, *.cl): the per-tensor
 * descriptor and result records of a device batch, and the sizes the work is
 * cut into.  Plain #defines, valid C and OpenCL C; the host includes it from
 * cl_kernels/, the kernels get it spliced in (cmake/EmbedKernels.cmake).
 *
 * A batch holds T tensors.  Every record is an array of 64-bit words
 * (ulong), T records of CAIS_DESC_WORDS (descriptor, written by the host) or
 * CAIS_RES_WORDS (results, written by the kernels), so that no struct layout
 * has to agree between the host compiler and the device compiler.  Offsets
 * are in bytes into the batch's buffers unless the name says otherwise.
 */
#ifndef CAIS_LAYOUT_H
#define CAIS_LAYOUT_H

/* Work-group size of every kernel, and the elements one work-group handles
 * in the element-parallel kernels: a CHUNK of 4096 elements, equal to the
 * statistics chunk of host/compute/cpu/error_stats.h (so one chunk's error
 * terms are summed by one work-item, in index order) and a multiple of 8
 * (mask bytes never straddle chunks).  Each work-item owns 16 consecutive
 * elements: two mask bytes. */
#define CAIS_WG 256
#define CAIS_CHUNK 4096
#define CAIS_PER_ITEM 16
#define CAIS_MASK_CHUNK_BYTES (CAIS_CHUNK / 8)

/* 16-bit histograms: one bin per bit pattern. */
#define CAIS_HIST_BINS 65536

/* n:m runs longer than this are left to the host (a run's keys live in
 * private memory). */
#define CAIS_NM_MAX_M 64

/* Element types (compute_job.h's cais_float_type). */
#define CAIS_T_F16 0
#define CAIS_T_BF16 1
#define CAIS_T_F32 2

/* Pruning modes and joint compressions (compute_job.h). */
#define CAIS_M_MAGNITUDE 0
#define CAIS_M_BLOCK 1
#define CAIS_M_NM 2
#define CAIS_J_NONE 0
#define CAIS_J_INT8 1
#define CAIS_J_UINT8 2
#define CAIS_J_FP8_E4M3FN 3
#define CAIS_J_FP8_E5M2 4
#define CAIS_J_PALETTIZE 5

/* ---- descriptor words (host -> device) -------------------------------- */
#define CAIS_D_TYPE 0     /* CAIS_T_* */
#define CAIS_D_NUMEL 1
#define CAIS_D_DATA 2     /* dense input, bytes into `data` */
#define CAIS_D_MASK 3     /* ui1 mask, bytes into `mask` (whole chunks) */
#define CAIS_D_VAL 4      /* compacted raw values, bytes into `vals` */
#define CAIS_D_CODE 5     /* bytes into `codes`: per-element flags while
                             pruning, then one code per non-zero */
#define CAIS_D_PACK 6     /* packed indices, bytes into `packed` */
#define CAIS_D_SCR 7      /* bytes into `scratch`: block scores (double per
                             block) or the non-zeros as doubles (amax) */
#define CAIS_D_HIST 8     /* uint index into `hist` (CAIS_HIST_BINS each) */
#define CAIS_D_CHUNK0 9   /* first element chunk of the tensor */
#define CAIS_D_NCHUNK 10  /* element chunks */
#define CAIS_D_NPRUNE 11  /* magnitude / block: elements to prune */
#define CAIS_D_OUTER 12   /* axis geometry (axis_geometry.h) */
#define CAIS_D_LEN 13
#define CAIS_D_INNER 14
#define CAIS_D_B 15       /* block size, or m of n:m */
#define CAIS_D_NB 16      /* blocks (or runs) per line: ceil(len / B) */
#define CAIS_D_ITEM0 17   /* block: first block chunk; n:m: first run */
#define CAIS_D_NITEMS 18  /* block: blocks; n:m: runs */
#define CAIS_D_NMN 19     /* n of n:m */
#define CAIS_D_WS 20      /* palettization workspace, bytes into `ws` */
#define CAIS_D_WSD 21     /* distinct values the workspace holds (bound) */
#define CAIS_D_WSX 22     /* items the exact DP workspace holds (bound) */
#define CAIS_D_LOCAL 23   /* the tensor's index in the batch */
#define CAIS_DESC_WORDS 24

/* ---- result words (device -> host) ------------------------------------ */
#define CAIS_R_NNZ 0        /* mask bits set */
#define CAIS_R_T 1          /* magnitude: threshold abs key; block: score key */
#define CAIS_R_LESS 2       /* magnitude: keys below the threshold */
#define CAIS_R_HIGH 3       /* f32 magnitude: the high 16-bit bin */
#define CAIS_R_BEFORE 4     /* f32 magnitude: keys below the high bin */
#define CAIS_R_REST 5       /* block: weight still to prune at the cut */
#define CAIS_R_SCALE_BITS 6 /* quantization: stored scale */
#define CAIS_R_SCALE 7      /* quantization: the scale as double bits */
#define CAIS_R_QUANT_OK 8   /* quantization: 1 when the scale is usable */
#define CAIS_R_D 9          /* palettization: distinct values */
#define CAIS_R_EXACT 10     /* palettization: 1 when the DP is exact */
#define CAIS_R_USED 11      /* palettization: used LUT entries */
#define CAIS_R_SQERR 12     /* statistics, double bits */
#define CAIS_R_SQNORM 13
#define CAIS_R_MAXKEY 14    /* quantization: largest kept abs key */
#define CAIS_R_HOSTBOUNDS 15 /* palettization: bounds come from the host */
#define CAIS_RES_WORDS 16

/* ---- palettization workspace of one tensor ----------------------------
 * With D = CAIS_D_WSD and X = CAIS_D_WSX, from CAIS_D_WS on (8-aligned):
 *   x      D doubles        distinct values, ascending
 *   cnt    D uints          their multiplicities
 *   pat    D uints          their bit patterns (16-bit types)
 *   p0,p1,p2  (D+1) doubles each   prefix sums (kmeans1d.h)
 *   prev, cur (X+1) doubles each   DP layers
 *   split  (k-1) * X uints  DP argmins (kmeans1d_dp.h)
 *   nodes  2 x 4 * (X+2) int4       divide-and-conquer nodes of a level
 *   bounds 257 longs
 * Workspaces start 256-aligned, so the int4 nodes are 16-aligned. */
#define CAIS_WS_ALIGN(n) (((n) + 7) / 8 * 8)
#define CAIS_WS_X(D) 0
#define CAIS_WS_CNT(D) CAIS_WS_ALIGN(CAIS_WS_X(D) + 8 * (D))
#define CAIS_WS_PAT(D) CAIS_WS_ALIGN(CAIS_WS_CNT(D) + 4 * (D))
#define CAIS_WS_P0(D) CAIS_WS_ALIGN(CAIS_WS_PAT(D) + 4 * (D))
#define CAIS_WS_P1(D) (CAIS_WS_P0(D) + 8 * ((D) + 1))
#define CAIS_WS_P2(D) (CAIS_WS_P1(D) + 8 * ((D) + 1))
#define CAIS_WS_PREV(D, X) (CAIS_WS_P2(D) + 8 * ((D) + 1))
#define CAIS_WS_CUR(D, X) (CAIS_WS_PREV(D, X) + 8 * ((X) + 1))
#define CAIS_WS_SPLIT(D, X) (CAIS_WS_CUR(D, X) + 8 * ((X) + 1))
#define CAIS_WS_NODES(D, X, K) \
  ((CAIS_WS_SPLIT(D, X) + 4 * ((K) - 1) * (X) + 15) / 16 * 16)
#define CAIS_WS_BOUNDS(D, X, K) \
  (CAIS_WS_NODES(D, X, K) + 2 * 16 * 4 * ((X) + 2))
#define CAIS_WS_SIZE(D, X, K) (CAIS_WS_BOUNDS(D, X, K) + 8 * 257)

#endif /* CAIS_LAYOUT_H */
