/* One AV1 intra frame from libaom, for fotobase's `avif-aom` algorithm (see aom.rs).
 *
 * Written in C so that libaom's own headers lay out `aom_codec_enc_cfg_t`, whose fields change
 * between releases; Rust sees only the small, fixed structs below. The frame is encoded with
 * libaom's all-intra usage (what libavif and libheif use for still images) and returned as the
 * OBUs of one temporal unit. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <aom/aom_encoder.h>
#include <aom/aomcx.h>

/* Mirrored by `Frame` in aom.rs. */
typedef struct {
    const uint16_t *planes[3]; /* Y, U, V; only Y when monochrome */
    size_t strides[3];         /* in samples */
    uint32_t width, height, bit_depth;
    uint32_t x_chroma_shift, y_chroma_shift;
    int32_t monochrome, profile;
    int32_t quantizer; /* 0..63, libaom's cq-level scale */
    int32_t speed;     /* cpu-used, 0..9 */
    int32_t threads, tune;
    int32_t color_primaries, transfer_characteristics, matrix_coefficients;
} fotobase_aom_frame;

/* Mirrored by `Output` in aom.rs: the encoded bytes (malloc'd) or an error message. */
typedef struct {
    uint8_t *data;
    size_t len;
    char error[256];
} fotobase_aom_output;

static int fail(fotobase_aom_output *out, aom_codec_ctx_t *ctx, const char *what) {
    const char *detail = ctx ? aom_codec_error_detail(ctx) : NULL;
    snprintf(out->error, sizeof out->error, "%s: %s%s%s", what, ctx ? aom_codec_error(ctx) : "out of memory",
             detail ? ": " : "", detail ? detail : "");
    return -1;
}

static int append(fotobase_aom_output *out, const void *data, size_t len) {
    uint8_t *grown = realloc(out->data, out->len + len);
    if (!grown) return -1;
    memcpy(grown + out->len, data, len);
    out->data = grown;
    out->len += len;
    return 0;
}

static int drain(aom_codec_ctx_t *ctx, fotobase_aom_output *out) {
    aom_codec_iter_t iter = NULL;
    const aom_codec_cx_pkt_t *pkt;
    while ((pkt = aom_codec_get_cx_data(ctx, &iter)) != NULL) {
        if (pkt->kind == AOM_CODEC_CX_FRAME_PKT && append(out, pkt->data.frame.buf, pkt->data.frame.sz) != 0)
            return fail(out, NULL, "cannot keep the encoded frame");
    }
    return 0;
}

/* Copies the caller's 16-bit samples into libaom's image (8-bit when the depth is 8). */
static void fill(aom_image_t *img, const fotobase_aom_frame *f) {
    int high = (img->fmt & AOM_IMG_FMT_HIGHBITDEPTH) != 0;
    for (int p = 0; p < 3; p++) {
        uint32_t w = p ? (f->width + f->x_chroma_shift) >> f->x_chroma_shift : f->width;
        uint32_t h = p ? (f->height + f->y_chroma_shift) >> f->y_chroma_shift : f->height;
        uint16_t neutral = (uint16_t)(1u << (f->bit_depth - 1));
        for (uint32_t y = 0; y < h; y++) {
            const uint16_t *src = (p && f->monochrome) ? NULL : f->planes[p] + y * f->strides[p];
            uint8_t *row = img->planes[p] + (size_t)y * img->stride[p];
            for (uint32_t x = 0; x < w; x++) {
                uint16_t v = src ? src[x] : neutral;
                if (high) ((uint16_t *)row)[x] = v; else row[x] = (uint8_t)v;
            }
        }
    }
}

int fotobase_aom_encode(const fotobase_aom_frame *f, fotobase_aom_output *out) {
    memset(out, 0, sizeof *out);
    aom_codec_iface_t *iface = aom_codec_av1_cx();
    aom_codec_enc_cfg_t cfg;
    if (aom_codec_enc_config_default(iface, &cfg, AOM_USAGE_ALL_INTRA) != AOM_CODEC_OK)
        return fail(out, NULL, "libaom has no all-intra configuration");
    cfg.g_w = f->width;
    cfg.g_h = f->height;
    cfg.g_profile = (unsigned)f->profile;
    cfg.g_bit_depth = (aom_bit_depth_t)f->bit_depth;
    cfg.g_input_bit_depth = f->bit_depth;
    cfg.g_threads = (unsigned)f->threads;
    cfg.g_limit = 1; /* one frame: a still picture with the reduced sequence header */
    cfg.g_lag_in_frames = 0;
    cfg.monochrome = f->monochrome ? 1 : 0;
    cfg.kf_mode = AOM_KF_DISABLED;
    cfg.kf_max_dist = 0;
    /* The quantiser is a level, not a clamp: the full range lets libaom's adaptive quantisation
     * spend bits where they show, which is most of its lead at equal SSIMULACRA2. */
    cfg.rc_end_usage = AOM_Q;
    cfg.rc_min_quantizer = 0;
    cfg.rc_max_quantizer = 63;

    aom_img_fmt_t fmt = f->monochrome || (f->x_chroma_shift && f->y_chroma_shift) ? AOM_IMG_FMT_I420
                        : f->x_chroma_shift                                       ? AOM_IMG_FMT_I422
                                                                                  : AOM_IMG_FMT_I444;
    aom_codec_flags_t flags = 0;
    if (f->bit_depth > 8) {
        fmt |= AOM_IMG_FMT_HIGHBITDEPTH;
        flags |= AOM_CODEC_USE_HIGHBITDEPTH;
    }
    aom_codec_ctx_t ctx;
    if (aom_codec_enc_init(&ctx, iface, &cfg, flags) != AOM_CODEC_OK) return fail(out, &ctx, "cannot start libaom");
    int ok = aom_codec_control(&ctx, AOME_SET_CPUUSED, f->speed) == AOM_CODEC_OK &&
             aom_codec_control(&ctx, AOME_SET_CQ_LEVEL, f->quantizer) == AOM_CODEC_OK &&
             aom_codec_control(&ctx, AOME_SET_TUNING, f->tune) == AOM_CODEC_OK &&
             aom_codec_control(&ctx, AV1E_SET_ROW_MT, 1) == AOM_CODEC_OK &&
             aom_codec_control(&ctx, AV1E_SET_COLOR_RANGE, AOM_CR_FULL_RANGE) == AOM_CODEC_OK &&
             aom_codec_control(&ctx, AV1E_SET_CHROMA_SAMPLE_POSITION,
                               f->x_chroma_shift && f->y_chroma_shift ? AOM_CSP_UNKNOWN : AOM_CSP_COLOCATED) == AOM_CODEC_OK &&
#ifdef AOM_CTRL_AV1E_SET_SKIP_POSTPROC_FILTERING
             /* A still image is shown once: no need to keep filtered reference frames. */
             aom_codec_control(&ctx, AV1E_SET_SKIP_POSTPROC_FILTERING, 1) == AOM_CODEC_OK &&
#endif
             aom_codec_control(&ctx, AV1E_SET_COLOR_PRIMARIES, f->color_primaries) == AOM_CODEC_OK &&
             aom_codec_control(&ctx, AV1E_SET_TRANSFER_CHARACTERISTICS, f->transfer_characteristics) == AOM_CODEC_OK &&
             aom_codec_control(&ctx, AV1E_SET_MATRIX_COEFFICIENTS, f->matrix_coefficients) == AOM_CODEC_OK;
    if (!ok) {
        fail(out, &ctx, "libaom refused a setting");
        aom_codec_destroy(&ctx);
        return -1;
    }
    aom_image_t *img = aom_img_alloc(NULL, fmt, f->width, f->height, 16);
    if (!img) {
        aom_codec_destroy(&ctx);
        return fail(out, NULL, "cannot allocate the frame");
    }
    if (f->monochrome) img->monochrome = 1;
    img->range = AOM_CR_FULL_RANGE;
    fill(img, f);
    int rc = 0;
    if (aom_codec_encode(&ctx, img, 0, 1, 0) != AOM_CODEC_OK) rc = fail(out, &ctx, "libaom could not encode");
    if (rc == 0) rc = drain(&ctx, out);
    if (rc == 0 && aom_codec_encode(&ctx, NULL, 0, 0, 0) != AOM_CODEC_OK) rc = fail(out, &ctx, "libaom could not finish");
    if (rc == 0) rc = drain(&ctx, out);
    aom_img_free(img);
    aom_codec_destroy(&ctx);
    if (rc != 0) {
        free(out->data);
        out->data = NULL;
        out->len = 0;
    }
    return rc;
}

void fotobase_aom_free(uint8_t *data) { free(data); }

/* major << 16 | minor << 8 | patch of the libaom loaded at run time. */
int fotobase_aom_version(void) { return aom_codec_version(); }
