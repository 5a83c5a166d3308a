/*
 * Debian builds OpenSSL with kTLS. libssl then asks its write BIO, through BIO_ctrl, whether kTLS
 * sends for it (BIO_get_ktls_send), and skips allocating its record write buffer when the answer is
 * yes. mediasoup 3.19's BIO callback (onSslBioOut in DtlsTransport.cpp) answers 1 to the return
 * phase of every operation but a plain BIO_CB_RETURN, so through it that ctrl reads "yes": the
 * first DTLS flight is then written through a NULL buffer and the worker dies with SIGSEGV.
 * mediasoup's own OpenSSL build has no kTLS, so upstream never sees it.
 *
 * This header stands in front of Debian's <openssl/bio.h> (it is on the include path before the
 * system one) and wraps every callback mediasoup installs so that a return phase always passes
 * libssl's own result through: the callback then only observes, which is all onSslBioOut means to
 * do (it sends what is being written).
 */
#ifndef SOFTPHONE_MEDIASOUP_BIO_GLUE_H
#define SOFTPHONE_MEDIASOUP_BIO_GLUE_H

#include_next <openssl/bio.h>

#ifdef __cplusplus
namespace softphone_bio_glue
{
	// mediasoup installs one callback (onSslBioOut) on every BIO it watches.
	inline thread_local BIO_callback_fn_ex observed{ nullptr };

	inline long PassResultThrough(
	  BIO* bio, int oper, const char* argp, size_t len, int argi, long argl, int ret, size_t* processed)
	{
		const long observedResult = observed(bio, oper, argp, len, argi, argl, ret, processed);

		return (oper & BIO_CB_RETURN) ? static_cast<long>(ret) : observedResult;
	}
} // namespace softphone_bio_glue

// A function-like macro is not expanded again inside its own replacement: the inner call is
// OpenSSL's function.
#define BIO_set_callback_ex(bio, callback) \
	(softphone_bio_glue::observed = (callback), \
	 BIO_set_callback_ex((bio), softphone_bio_glue::PassResultThrough))
#endif

#endif
