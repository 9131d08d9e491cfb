#pragma once
// Channels and queues (API.md section 4): hypar::bounded, hypar::unbounded, hypar::Sender,
// hypar::Receiver and hypar::ArrayQueue. Design note: docs/channels.md.

#include <hypar/chan/array_queue.hpp>
#include <hypar/chan/channel.hpp>
