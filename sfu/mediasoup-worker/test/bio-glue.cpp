// The kTLS BIO glue (subprojects/openssl/include/openssl/bio.h) on its own, against Debian's
// libssl: a callback shaped like mediasoup's onSslBioOut watches each side's outgoing BIO of a
// DTLS 1.2 handshake between two in-memory endpoints, as DtlsTransport does. Without the glue,
// Debian's kTLS-enabled libssl takes that callback's answer for "kTLS sends for this BIO" and
// writes the first flight through a NULL buffer (SIGSEGV). Prints one "ok"/"not ok" line a check.
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <cstdio>
#include <cstring>

namespace
{
	int failures = 0;

	void Check(bool passed, const char* name)
	{
		std::printf("%s %s\n", passed ? "ok" : "not ok", name);
		if (!passed)
			++failures;
	}

	struct Side
	{
		SSL* ssl;
		BIO* fromNetwork;
		BIO* toNetwork;
		size_t observedBytes;
	};

	// Same shape as mediasoup 3.19's onSslBioOut: 1 for every phase but a plain BIO_CB_RETURN.
	long ObserveOutgoing(
	  BIO* bio, int oper, const char* argp, size_t len, int, long, int ret, size_t*)
	{
		const long result = (oper == BIO_CB_RETURN) ? static_cast<long>(ret) : 1;

		if (oper == BIO_CB_WRITE && argp && len > 0)
			reinterpret_cast<Side*>(BIO_get_callback_arg(bio))->observedBytes += len;

		return result;
	}

	SSL_CTX* MakeContext()
	{
		EVP_PKEY* key = EVP_EC_gen("prime256v1");
		X509* cert = X509_new();
		ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
		X509_gmtime_adj(X509_getm_notBefore(cert), 0);
		X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
		X509_set_pubkey(cert, key);
		X509_NAME* name = X509_get_subject_name(cert);
		X509_NAME_add_entry_by_txt(
		  name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("glue"), -1, -1, 0);
		X509_set_issuer_name(cert, name);
		X509_sign(cert, key, EVP_sha256());

		SSL_CTX* ctx = SSL_CTX_new(DTLS_method());
		SSL_CTX_use_certificate(ctx, cert);
		SSL_CTX_use_PrivateKey(ctx, key);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
		SSL_CTX_set_tlsext_use_srtp(ctx, "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80");
		X509_free(cert);
		EVP_PKEY_free(key);
		return ctx;
	}

	void Attach(Side& side, SSL_CTX* ctx)
	{
		side.ssl = SSL_new(ctx);
		side.fromNetwork = BIO_new(BIO_s_mem());
		side.toNetwork = BIO_new(BIO_s_mem());
		side.observedBytes = 0;
		BIO_set_mem_eof_return(side.fromNetwork, -1);
		BIO_set_mem_eof_return(side.toNetwork, -1);
		BIO_set_callback_ex(side.toNetwork, ObserveOutgoing);
		BIO_set_callback_arg(side.toNetwork, reinterpret_cast<char*>(&side));
		SSL_set_bio(side.ssl, side.fromNetwork, side.toNetwork);
		SSL_set_mtu(side.ssl, 1350);
		DTLS_set_link_mtu(side.ssl, 1350);
	}

	// Moves everything one side wrote to the other side's incoming BIO.
	void Deliver(Side& from, Side& to)
	{
		char buffer[4096];
		int n;

		while ((n = BIO_read(from.toNetwork, buffer, sizeof(buffer))) > 0)
			BIO_write(to.fromNetwork, buffer, n);
	}
} // namespace

int main()
{
	SSL_CTX* ctx = MakeContext();
	Side client{};
	Side server{};

	Attach(client, ctx);
	Attach(server, ctx);

	Check(
	  BIO_ctrl(client.toNetwork, BIO_CTRL_GET_KTLS_SEND, 0, nullptr) == 0,
	  "a watched BIO answers a ctrl with its own result (kTLS send: no)");

	SSL_set_connect_state(client.ssl);
	SSL_set_accept_state(server.ssl);

	bool done = false;

	for (int round = 0; round < 20 && !done; ++round)
	{
		SSL_do_handshake(client.ssl);
		Deliver(client, server);
		SSL_do_handshake(server.ssl);
		Deliver(server, client);
		done = SSL_is_init_finished(client.ssl) && SSL_is_init_finished(server.ssl);
	}

	Check(done, "a DTLS 1.2 handshake over watched BIOs completes");
	Check(
	  client.observedBytes > 0 && server.observedBytes > 0,
	  "the callback saw every flight each side wrote");
	Check(
	  done && SSL_get_selected_srtp_profile(client.ssl) != nullptr,
	  "DTLS-SRTP negotiated a profile (use_srtp)");

	const char message[] = "after the handshake";
	const int written = SSL_write(client.ssl, message, sizeof(message));

	Deliver(client, server);

	char received[64]{};
	const int read = SSL_read(server.ssl, received, sizeof(received));

	Check(
	  written == static_cast<int>(sizeof(message)) && read == written &&
	    std::memcmp(received, message, sizeof(message)) == 0,
	  "application data written through a watched BIO arrives");

	SSL_free(client.ssl);
	SSL_free(server.ssl);
	SSL_CTX_free(ctx);

	return failures == 0 ? 0 : 1;
}
