/* test_bitpack.c -- sub-byte packing (common/bitpack.h) and the concurrent
 * packed writer of the output pass (compute/cpu/packed_writer.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "common/bitpack.h"
#include "compute/cpu/packed_writer.h"
#include "test_support.h"

static const int widths[] = {1, 2, 3, 4, 6, 8};

static void test_layout_by_hand(void **state) {
  (void)state;
  /* ui2 [1, 2, 3, 0, 1]: bits 01 10 11 00 | 01 -> 0b00111001, 0b00000001 */
  uint8_t v2[] = {1, 2, 3, 0, 1}, out[4];
  memset(out, 0xEE, sizeof out);
  cais_pack_bits(v2, 5, 2, out);
  assert_int_equal(out[0], 0x39);
  assert_int_equal(out[1], 0x01);
  assert_int_equal(out[2], 0xEE); /* untouched past ceil(10/8) = 2 bytes */
  /* ui1: element i is bit i % 8 of byte i / 8 */
  uint8_t v1[] = {1, 0, 0, 0, 0, 0, 0, 1, 1};
  cais_pack_bits(v1, 9, 1, out);
  assert_int_equal(out[0], 0x81);
  assert_int_equal(out[1], 0x01);
  /* ui3 [7, 0, 5]: 111 000 101 -> 0b01000111, 0b00000001 */
  uint8_t v3[] = {7, 0, 5};
  cais_pack_bits(v3, 3, 3, out);
  assert_int_equal(out[0], 0x47);
  assert_int_equal(out[1], 0x01);
  /* ui6 [0x3F, 0x01]: 111111 100000 -> 0x7F, 0x00 */
  uint8_t v6[] = {0x3F, 0x01};
  cais_pack_bits(v6, 2, 6, out);
  assert_int_equal(out[0], 0x7F);
  assert_int_equal(out[1], 0x00);
  /* ui4 [0xA, 0x5, 0xF] -> 0x5A, 0x0F; high bits of inputs ignored */
  uint8_t v4[] = {0xFA, 0x5, 0xF};
  cais_pack_bits(v4, 3, 4, out);
  assert_int_equal(out[0], 0x5A);
  assert_int_equal(out[1], 0x0F);
  assert_int_equal(cais_unpack_bits_at(out, 0, 4), 0xA);
  assert_int_equal(cais_unpack_bits_at(out, 2, 4), 0xF);
}

static void test_round_trips(void **state) {
  (void)state;
  uint64_t s = 3;
  for (size_t wi = 0; wi < sizeof widths / sizeof *widths; wi++) {
    int w = widths[wi];
    for (size_t count = 0; count < 300; count += 1 + count / 7) {
      uint8_t *v = malloc(count + 1), *back = malloc(count + 1);
      size_t bytes = cais_packed_bytes(count, w);
      uint8_t *p = malloc(bytes + 1);
      for (size_t i = 0; i < count; i++) v[i] = (uint8_t)(cais_test_rand(&s) & ((1u << w) - 1));
      memset(p, 0xA5, bytes + 1);
      cais_pack_bits(v, count, w, p);
      assert_int_equal(p[bytes], 0xA5);
      for (size_t b = count * (size_t)w; b < 8 * bytes; b++) /* zero padding */
        assert_int_equal((p[b / 8] >> (b % 8)) & 1, 0);
      cais_unpack_bits(p, count, w, back);
      assert_memory_equal(v, back, count);
      for (size_t i = 0; i < count; i++) {
        assert_int_equal(cais_unpack_bits_at(p, i, w), v[i]);
        /* bit-level definition: element i's bit j is stream bit i*w + j */
        for (int j = 0; j < w; j++) {
          size_t bit = i * (size_t)w + (size_t)j;
          assert_int_equal((p[bit / 8] >> (bit % 8)) & 1, (v[i] >> j) & 1);
        }
      }
      free(v);
      free(back);
      free(p);
    }
  }
}

/* The output pass writes the packed array in pieces at arbitrary element
 * offsets; any cut must give exactly cais_pack_bits' bytes. */
static void test_packed_writer_pieces(void **state) {
  (void)state;
  uint64_t s = 11;
  for (size_t wi = 0; wi < sizeof widths / sizeof *widths; wi++) {
    int w = widths[wi];
    size_t count = 1000;
    uint8_t v[1000];
    for (size_t i = 0; i < count; i++) v[i] = (uint8_t)(cais_test_rand(&s) & ((1u << w) - 1));
    size_t bytes = cais_packed_bytes(count, w);
    uint8_t *want = malloc(bytes), *got = calloc(bytes, 1);
    cais_pack_bits(v, count, w, want);
    /* Random cuts, including empty pieces, written in reverse order. */
    size_t cuts[40];
    int ncuts = 0;
    cuts[ncuts++] = 0;
    while (ncuts < 39) {
      size_t next = cuts[ncuts - 1] + cais_test_rand(&s) % 60;
      if (next >= count) break;
      cuts[ncuts++] = next;
    }
    cuts[ncuts++] = count;
    for (int k = ncuts - 2; k >= 0; k--) {
      cais_packed_writer pw;
      cais_packed_writer_init(&pw, got, (uint64_t)cuts[k] * w, (uint64_t)cuts[k + 1] * w);
      for (size_t i = cuts[k]; i < cuts[k + 1]; i++) cais_packed_writer_put(&pw, v[i], (unsigned)w);
      cais_packed_writer_finish(&pw);
    }
    assert_memory_equal(want, got, bytes);
    free(want);
    free(got);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_layout_by_hand),
      cmocka_unit_test(test_round_trips),
      cmocka_unit_test(test_packed_writer_pieces),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
