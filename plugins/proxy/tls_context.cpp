// tls_context.cpp — Poco::Net::Context for backend connections.
#include "tls_context.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/SSLManager.h>

#include <stdexcept>

namespace pe::proxy {

SslLibrary::SslLibrary() { Poco::Net::initializeSSL(); }
SslLibrary::~SslLibrary() { Poco::Net::uninitializeSSL(); }

Poco::Net::Context::Ptr make_tls_context(const TlsSettings& tls) {
  Poco::Net::Context::Params params;
  params.privateKeyFile = tls.key_file;
  params.certificateFile = tls.cert_file;
  params.caLocation = tls.ca_file;
  params.loadDefaultCAs = tls.ca_file.empty();
  params.verificationMode =
      tls.insecure_skip_verify ? Poco::Net::Context::VERIFY_NONE : Poco::Net::Context::VERIFY_RELAXED;
  params.verificationDepth = 9;
  params.cipherList = "HIGH:!aNULL:!eNULL:!MD5:!RC4";
  try {
    Poco::Net::Context::Ptr context =
        new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
    context->disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
                              Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
    return context;
  } catch (const Poco::Exception& e) {
    throw std::runtime_error(e.displayText());
  }
}

}  // namespace pe::proxy
