/* Unit tests for custody-acquire's core: the chunk-size choice against libewf
 * 20140813's 2^27-chunk limit and the 2^24-chunk memory budget, segment names, and the chunk
 * compressor. */
#include "acquire.h"
#include "check.h"
#include "deflate.h"
#include "ewf_adapter.h"

#define TIB (UINT64_C(1) << 40)

static uint64_t
chunks_for(uint64_t media, uint32_t spc)
{
    uint64_t chunk = (uint64_t)spc * 512;
    return media / chunk + (media % chunk != 0);
}

static void
test_chunk_choice(void)
{
    const uint64_t sizes[] = {3 * TIB, 4 * TIB, 4 * TIB + 512, 5 * TIB, 16 * TIB};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        uint32_t spc = acquire_chunk_sectors(sizes[i], 512, 64);
        REQUIRE(spc != 0);
        CHECK((spc & (spc - 1)) == 0);
        /* Under libewf's limit of 2^27 chunks... */
        CHECK(chunks_for(sizes[i], spc) < (UINT64_C(1) << 27));
        /* ...and within the memory budget of 2^24 chunks (about 128 MiB of libewf
         * tables at 8 bytes a chunk)... */
        CHECK(chunks_for(sizes[i], spc) <= EWF_BUDGET_CHUNKS);
        CHECK_INT(ewf_chunk_count(sizes[i], 512, spc), chunks_for(sizes[i], spc));
        /* ...and no larger than needed: half the chunk would be over it (or 64). */
        CHECK(spc == 64 || chunks_for(sizes[i], spc / 2) > EWF_BUDGET_CHUNKS);
    }
    CHECK(EWF_BUDGET_CHUNKS < EWF_MAX_CHUNKS);
    CHECK(EWF_BUDGET_CHUNKS * 8 <= (UINT64_C(128) << 20));
    /* 3 TiB: 256 KiB chunks (12 M chunks); 4 TiB: exactly 2^24 of them. */
    CHECK_INT(acquire_chunk_sectors(3 * TIB, 512, 64), 512);
    CHECK_INT(acquire_chunk_sectors(4 * TIB, 512, 64), 512);
    CHECK_INT(acquire_chunk_sectors(4 * TIB + 512, 512, 64), 1024);
    CHECK_INT(acquire_chunk_sectors(5 * TIB, 512, 64), 1024);
    CHECK_INT(acquire_chunk_sectors(16 * TIB, 512, 64), 2048);
    /* The default is kept up to 512 GiB (2^24 chunks of 32 KiB). */
    CHECK_INT(acquire_chunk_sectors(TIB / 2, 512, 64), 64);
    CHECK_INT(acquire_chunk_sectors(TIB / 2 + 512, 512, 64), 128);
    /* 4 KiB sectors: 64 sectors are 256 KiB chunks, 2^26 of them for 16 TiB: 1 MiB. */
    CHECK_INT(acquire_chunk_sectors(16 * TIB, 4096, 64), 256);
    CHECK_INT(acquire_chunk_sectors(4 * TIB, 4096, 64), 64);
    /* A request above the minimum is kept; one below is raised. */
    CHECK_INT(acquire_chunk_sectors(1 * TIB, 512, 1024), 1024);
    CHECK_INT(acquire_chunk_sectors(64 * (TIB >> 10), 512, 1), 8);
    /* Small media keep the request. */
    CHECK_INT(acquire_chunk_sectors(0, 512, 64), 64);
    CHECK_INT(acquire_chunk_sectors(1 << 20, 512, 64), 64);
    CHECK_INT(acquire_chunk_sectors(1 << 20, 512, 1), 1);
    /* Over the budget even at 2^15 sectors (256 TiB): the largest chunk, under libewf's
     * limit (2^25 chunks for 512 TiB); past 2 PiB nothing fits. */
    CHECK_INT(acquire_chunk_sectors(512 * TIB, 512, 64), 32768);
    CHECK_INT(acquire_chunk_sectors(256 * TIB, 512, 64), 32768);
    CHECK_INT(acquire_chunk_sectors(2048 * TIB, 512, 64), 0);
    /* Nothing fits: refused rather than a wrong image. */
    CHECK_INT(acquire_chunk_sectors(UINT64_MAX, 512, 64), 0);
    CHECK_INT(acquire_chunk_sectors(1 << 20, 0, 64), 0);
}

static void
test_segment_names(void)
{
    char name[64];
    CHECK_INT(ewf_writer_segment_name(name, sizeof(name), "img", 1), 0);
    CHECK_STR(name, "img.E01");
    CHECK_INT(ewf_writer_segment_name(name, sizeof(name), "img", 99), 0);
    CHECK_STR(name, "img.E99");
    CHECK_INT(ewf_writer_segment_name(name, sizeof(name), "img", 100), 0);
    CHECK_STR(name, "img.EAA");
    CHECK_INT(ewf_writer_segment_name(name, sizeof(name), "img", 101), 0);
    CHECK_STR(name, "img.EAB");
    CHECK_INT(ewf_writer_segment_name(name, sizeof(name), "img", 126), 0);
    CHECK_STR(name, "img.EBA");
    CHECK_INT(ewf_writer_segment_name(name, sizeof(name), "img", 100 + 676), 0);
    CHECK_STR(name, "img.FAA");
    CHECK(ewf_writer_segment_name(name, sizeof(name), "img", 0) < 0);
    CHECK(ewf_writer_segment_name(name, sizeof(name), "img", 100 + 22 * 676) < 0);
    CHECK(ewf_writer_segment_name(name, 6, "img", 1) < 0);
}

static void
test_deflate(void)
{
    struct custody_err err = {0};
    struct chunk_deflater *d = NULL;
    static uint8_t in[32768], out[32768], back[32768];

    for (size_t i = 0; i < sizeof(in); i++)
        in[i] = (uint8_t)(i % 251 < 100 ? 0 : i * 7);
    REQUIRE(chunk_deflater_new(&d, DEFLATE_FAST, &err) == 0);
    size_t n = chunk_deflate(d, out, sizeof(in) - 1, in, sizeof(in));
    CHECK(n > 0 && n < sizeof(in));
    /* zlib (what libewf reads with) inflates it back. */
    CHECK_INT(chunk_inflate(back, sizeof(back), out, n), sizeof(in));
    CHECK(memcmp(back, in, sizeof(in)) == 0);
    /* Random data does not fit in less than its size: stored uncompressed. */
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof(in); i++) {
        x = x * 1103515245 + 12345;
        in[i] = (uint8_t)(x >> 16);
    }
    CHECK_INT(chunk_deflate(d, out, sizeof(in) - 1, in, sizeof(in)), 0);
    chunk_deflater_free(d);
    /* Adler-32 of "Wikipedia" is 0x11E60398. */
    CHECK_INT(chunk_adler32("Wikipedia", 9), 0x11E60398);
    REQUIRE(chunk_deflater_new(&d, DEFLATE_BEST, &err) == 0);
    memset(in, 'a', sizeof(in));
    n = chunk_deflate(d, out, sizeof(in) - 1, in, sizeof(in));
    CHECK(n > 0 && n < 200);
    CHECK_INT(chunk_inflate(back, sizeof(back), out, n), sizeof(in));
    chunk_deflater_free(d);
}

int
main(void)
{
    test_chunk_choice();
    test_segment_names();
    test_deflate();
    CHECK_DONE();
}
