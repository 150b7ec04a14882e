// protobuf_body.hpp — reads the varint-delimited stream of
// io.prometheus.client.MetricFamily messages that Go clients push
// (Content-Type application/vnd.google.protobuf;
// proto=io.prometheus.client.MetricFamily; encoding=delimited) into families,
// spelling each metric type's series the way the text format does
// (_bucket{le}, _sum, _count, quantile).
#pragma once

#include <string_view>

#include "store/family_assembler.hpp"

namespace pe::push {

// Throws PushError(400) naming the message index and byte offset at fault.
void decode_protobuf_body(std::string_view body, FamilyAssembler& assembler);

}  // namespace pe::push
