package ccverify

/*
#include <stddef.h>
#include <stdint.h>
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

// ccverifyGoChunk is the ccverify_chunk_fn of ChatStream: user_data carries a cgo.Handle of a
// *chunkSink. A panic in the Go callback must not unwind into the library, so it is recovered
// here, kept, and re-raised by ChatStream after the C call returned; later chunks are dropped.
//
//export ccverifyGoChunk
func ccverifyGoChunk(chunk *C.uint8_t, n C.size_t, userData unsafe.Pointer) {
	sink, ok := cgo.Handle(uintptr(userData)).Value().(*chunkSink)
	if !ok || sink.panic != nil {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			sink.panic = r
		}
	}()
	data := []byte{}
	if n > 0 {
		data = C.GoBytes(unsafe.Pointer(chunk), C.int(n))
	}
	sink.fn(data)
}
