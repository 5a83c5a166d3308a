/*
 * The libsrtp 3 -> libsrtp 2 glue (../subprojects/libsrtp3/include/srtp.h) on its own, against
 * Debian's libsrtp2, called the way mediasoup's RTC/SrtpSession.cpp calls it: protect into a
 * separate buffer, unprotect in place. One line per check, "ok ..." or "not ok ..."; exit status 1
 * if any failed. Compiles as C and as C++ (mediasoup includes the glue from C++).
 */
#include <srtp.h>

#include <arpa/inet.h>
#include <stdio.h>

enum suite_id
{
  AEAD_AES_256_GCM,
  AEAD_AES_128_GCM,
  AES_CM_128_HMAC_SHA1_80,
  AES_CM_128_HMAC_SHA1_32
};

typedef struct
{
  enum suite_id id;
  const char *name;
  size_t key_len;
  size_t rtp_trailer;
  size_t rtcp_trailer; /* tag + the 4-byte E flag and SRTCP index */
} suite_t;

static const suite_t suites[] = {
  { AEAD_AES_256_GCM, "AEAD_AES_256_GCM", 44, 16, 20 },
  { AEAD_AES_128_GCM, "AEAD_AES_128_GCM", 28, 16, 20 },
  { AES_CM_128_HMAC_SHA1_80, "AES_CM_128_HMAC_SHA1_80", 30, 10, 14 },
  { AES_CM_128_HMAC_SHA1_32, "AES_CM_128_HMAC_SHA1_32", 30, 4, 14 },
};

/* The same setters mediasoup's SrtpSession picks for each suite. */
static void set_crypto(enum suite_id id, srtp_policy_t *policy)
{
  switch (id)
  {
    case AEAD_AES_256_GCM:
      srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy->rtp);
      srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy->rtcp);
      break;
    case AEAD_AES_128_GCM:
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy->rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy->rtcp);
      break;
    case AES_CM_128_HMAC_SHA1_80:
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy->rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy->rtcp);
      break;
    case AES_CM_128_HMAC_SHA1_32:
      /* The 32-bit tag for RTP only; RTCP keeps the 80-bit one. */
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy->rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy->rtcp);
      break;
  }
}

static int failures = 0;

static void check(int ok, const char *suite, const char *what)
{
  printf("%s %s: %s\n", ok ? "ok" : "not ok", suite, what);
  if (!ok)
    failures++;
}

static srtp_t session(const suite_t *s, int outbound, uint8_t *key)
{
  srtp_policy_t policy;
  srtp_t ctx = NULL;

  memset(&policy, 0, sizeof(policy));
  set_crypto(s->id, &policy);
  policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
  policy.key = key;
  policy.allow_repeat_tx = 1;
  policy.window_size = 1024;
  if (srtp_create(&ctx, &policy) != srtp_err_status_ok)
    return NULL;
  return ctx;
}

static void next_packet(int rtcp, uint8_t *plain)
{
  static uint16_t seq = 0;

  if (rtcp)
    return;
  seq++;
  plain[2] = (uint8_t)(seq >> 8);
  plain[3] = (uint8_t)seq;
}

enum
{
  CANARY = 0xA5,
  ROOM = 256
};

/*
 * Protects into a buffer of exactly the room it needs, then unprotects, several times: each RTP
 * round gets the next sequence number, as the receiver's replay check refuses a repeated one.
 */
static void round_trip(const suite_t *s, srtp_t tx, srtp_t rx, int rtcp, uint8_t *plain,
  size_t plain_len)
{
  const size_t trailer = rtcp ? s->rtcp_trailer : s->rtp_trailer;
  const char *kind = rtcp ? "RTCP" : "RTP";
  uint8_t wire[ROOM + 1];
  uint8_t back[ROOM];
  size_t wire_len = plain_len + trailer;
  size_t back_len = sizeof(back);
  srtp_err_status_t err;
  char what[96];

  memset(wire, CANARY, sizeof(wire));
  next_packet(rtcp, plain);
  err = rtcp ? srtp_protect_rtcp(tx, plain, plain_len, wire, &wire_len, 0)
             : srtp_protect(tx, plain, plain_len, wire, &wire_len, 0);
  snprintf(what, sizeof(what), "%s protect into a buffer of exactly its size", kind);
  check(err == srtp_err_status_ok && wire_len == plain_len + trailer &&
          wire[plain_len + trailer] == CANARY,
    s->name, what);
  snprintf(what, sizeof(what), "%s protected payload is not the plain text", kind);
  check(memcmp(wire + (rtcp ? 8 : 12), plain + (rtcp ? 8 : 12), plain_len - (rtcp ? 8 : 12)) != 0,
    s->name, what);

  /* Unprotect into a separate buffer first (the copy path), then in place like mediasoup. */
  err = rtcp ? srtp_unprotect_rtcp(rx, wire, wire_len, back, &back_len)
             : srtp_unprotect(rx, wire, wire_len, back, &back_len);
  snprintf(what, sizeof(what), "%s unprotect into another buffer gives the packet back", kind);
  check(err == srtp_err_status_ok && back_len == plain_len && memcmp(back, plain, plain_len) == 0,
    s->name, what);

  wire_len = plain_len + trailer;
  next_packet(rtcp, plain);
  err = rtcp ? srtp_protect_rtcp(tx, plain, plain_len, wire, &wire_len, 0)
             : srtp_protect(tx, plain, plain_len, wire, &wire_len, 0);
  back_len = wire_len;
  if (err == srtp_err_status_ok)
    err = rtcp ? srtp_unprotect_rtcp(rx, wire, wire_len, wire, &back_len)
               : srtp_unprotect(rx, wire, wire_len, wire, &back_len);
  snprintf(what, sizeof(what), "%s unprotect in place gives the packet back", kind);
  check(err == srtp_err_status_ok && back_len == plain_len && memcmp(wire, plain, plain_len) == 0,
    s->name, what);

  wire_len = plain_len + trailer;
  next_packet(rtcp, plain);
  err = rtcp ? srtp_protect_rtcp(tx, plain, plain_len, wire, &wire_len, 0)
             : srtp_protect(tx, plain, plain_len, wire, &wire_len, 0);
  wire[plain_len / 2] ^= 0x01;
  back_len = sizeof(back);
  if (err == srtp_err_status_ok)
    err = rtcp ? srtp_unprotect_rtcp(rx, wire, wire_len, back, &back_len)
               : srtp_unprotect(rx, wire, wire_len, back, &back_len);
  snprintf(what, sizeof(what), "%s tampered packet refused (auth_fail)", kind);
  check(err == srtp_err_status_auth_fail, s->name, what);

  memset(wire, CANARY, sizeof(wire));
  wire_len = plain_len + trailer - 1;
  err = rtcp ? srtp_protect_rtcp(tx, plain, plain_len, wire, &wire_len, 0)
             : srtp_protect(tx, plain, plain_len, wire, &wire_len, 0);
  snprintf(what, sizeof(what), "%s protect into a buffer one byte short refused (buffer_small)",
    kind);
  check(err == srtp_err_status_buffer_small && wire_len == plain_len + trailer - 1 &&
          wire[0] == CANARY,
    s->name, what);

  back_len = plain_len - 1;
  err = rtcp ? srtp_unprotect_rtcp(rx, plain, plain_len, back, &back_len)
             : srtp_unprotect(rx, plain, plain_len, back, &back_len);
  snprintf(what, sizeof(what), "%s unprotect into a buffer too small refused (buffer_small)", kind);
  check(err == srtp_err_status_buffer_small, s->name, what);
}

int main(void)
{
  uint8_t rtp[12 + 160];
  uint8_t rtcp[28];
  size_t i;

  if (srtp_init() != srtp_err_status_ok)
  {
    printf("not ok srtp_init\n");
    return 1;
  }

  /* RTP: V=2, PT 111 (Opus), seq 1, ts 960, SSRC 0x11223344, then a payload. */
  memset(rtp, 0, sizeof(rtp));
  rtp[0] = 0x80, rtp[1] = 111, rtp[3] = 1, rtp[6] = 0x03, rtp[7] = 0xC0;
  rtp[8] = 0x11, rtp[9] = 0x22, rtp[10] = 0x33, rtp[11] = 0x44;
  for (i = 12; i < sizeof(rtp); i++)
    rtp[i] = (uint8_t)i;
  /* RTCP sender report, no report blocks: length 6 (28 bytes), same SSRC. */
  memset(rtcp, 0, sizeof(rtcp));
  rtcp[0] = 0x80, rtcp[1] = 200, rtcp[3] = 6;
  rtcp[4] = 0x11, rtcp[5] = 0x22, rtcp[6] = 0x33, rtcp[7] = 0x44;
  for (i = 8; i < sizeof(rtcp); i++)
    rtcp[i] = (uint8_t)(0x40 + i);

  for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
  {
    const suite_t *s = &suites[i];
    uint8_t tx_key[64];
    uint8_t rx_key[64];
    srtp_t tx;
    srtp_t rx;
    size_t k;

    for (k = 0; k < s->key_len; k++)
      tx_key[k] = rx_key[k] = (uint8_t)(k * 7 + i);
    tx = session(s, 1, tx_key);
    rx = session(s, 0, rx_key);
    check(tx != NULL && rx != NULL, s->name, "sessions created");
    if (tx == NULL || rx == NULL)
      continue;
    round_trip(s, tx, rx, 0, rtp, sizeof(rtp));
    round_trip(s, tx, rx, 1, rtcp, sizeof(rtcp));
    check(srtp_stream_remove(tx, htonl(0x11223344)) == srtp_err_status_ok, s->name,
      "srtp_stream_remove removes the stream protect created");
    srtp_dealloc(tx);
    srtp_dealloc(rx);
  }

  srtp_shutdown();
  return failures ? 1 : 0;
}
