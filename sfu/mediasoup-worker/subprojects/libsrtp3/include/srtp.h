/*
 * mediasoup >= 3.13 is written against libsrtp 3 (versatica's fork, v3.0.0-beta); Debian bookworm
 * ships libsrtp 2.5. This header stands where mediasoup's `#include <srtp.h>` looks: it includes
 * libsrtp 2's header and maps the few libsrtp 3 calls mediasoup makes onto it.
 *
 * libsrtp 3's protect/unprotect read from one buffer and write to another whose capacity comes in
 * through *out_len, with size_t lengths, and refuse with buffer_small when the result won't fit;
 * libsrtp 2 works in place on int lengths and trusts the caller for room. So each call checks the
 * room, copies into the output buffer and works there in place.
 */
#ifndef SOFTPHONE_SRTP3_ON_SRTP2_H
#define SOFTPHONE_SRTP3_ON_SRTP2_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <srtp2/srtp.h>

/* New in libsrtp 3, numbered there right after srtp_err_status_pkt_idx_adv (27). */
#define srtp_err_status_buffer_small ((srtp_err_status_t)28)
#define srtp_err_status_cryptex_err ((srtp_err_status_t)29)

static inline srtp_err_status_t softphone_srtp2_into(
  srtp_err_status_t (*in_place)(srtp_t, void *, int *), srtp_t ctx, const uint8_t *in,
  size_t in_len, uint8_t *out, size_t *out_len, uint32_t grows_by)
{
  int len;
  srtp_err_status_t err;

  if (in_len > (size_t)INT_MAX - grows_by)
    return srtp_err_status_bad_param;
  if (*out_len < in_len + grows_by)
    return srtp_err_status_buffer_small;
  if (out != in)
    memmove(out, in, in_len);
  len = (int)in_len;
  err = in_place(ctx, out, &len);
  if (err == srtp_err_status_ok)
    *out_len = (size_t)len;
  return err;
}

/* mediasoup configures no MKI, so only key index 0 exists. */
static inline srtp_err_status_t softphone_srtp3_protect(
  srtp_t ctx, const uint8_t *rtp, size_t rtp_len, uint8_t *srtp, size_t *srtp_len,
  size_t mki_index)
{
  uint32_t trailer = 0;
  srtp_err_status_t err;

  if (mki_index != 0)
    return srtp_err_status_bad_mki;
  err = srtp_get_protect_trailer_length(ctx, 0, 0, &trailer);
  if (err != srtp_err_status_ok)
    return err;
  return softphone_srtp2_into(srtp_protect, ctx, rtp, rtp_len, srtp, srtp_len, trailer);
}

static inline srtp_err_status_t softphone_srtp3_protect_rtcp(
  srtp_t ctx, const uint8_t *rtcp, size_t rtcp_len, uint8_t *srtcp, size_t *srtcp_len,
  size_t mki_index)
{
  uint32_t trailer = 0;
  srtp_err_status_t err;

  if (mki_index != 0)
    return srtp_err_status_bad_mki;
  err = srtp_get_protect_rtcp_trailer_length(ctx, 0, 0, &trailer);
  if (err != srtp_err_status_ok)
    return err;
  return softphone_srtp2_into(srtp_protect_rtcp, ctx, rtcp, rtcp_len, srtcp, srtcp_len, trailer);
}

static inline srtp_err_status_t softphone_srtp3_unprotect(
  srtp_t ctx, const uint8_t *srtp, size_t srtp_len, uint8_t *rtp, size_t *rtp_len)
{
  return softphone_srtp2_into(srtp_unprotect, ctx, srtp, srtp_len, rtp, rtp_len, 0);
}

static inline srtp_err_status_t softphone_srtp3_unprotect_rtcp(
  srtp_t ctx, const uint8_t *srtcp, size_t srtcp_len, uint8_t *rtcp, size_t *rtcp_len)
{
  return softphone_srtp2_into(srtp_unprotect_rtcp, ctx, srtcp, srtcp_len, rtcp, rtcp_len, 0);
}

#define srtp_protect softphone_srtp3_protect
#define srtp_protect_rtcp softphone_srtp3_protect_rtcp
#define srtp_unprotect softphone_srtp3_unprotect
#define srtp_unprotect_rtcp softphone_srtp3_unprotect_rtcp
#define srtp_stream_remove srtp_remove_stream

#endif
