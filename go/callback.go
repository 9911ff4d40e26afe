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
// here, kept, and re-raised by ChatStream after the C call returned; returning 1 stops the
// stream at once (the request is aborted), as does an error from the callback.
//
//export ccverifyGoChunk
func ccverifyGoChunk(chunk *C.uint8_t, n C.size_t, userData unsafe.Pointer) (stop C.int) {
	sink, ok := cgo.Handle(uintptr(userData)).Value().(*chunkSink)
	if !ok || sink.panic != nil || sink.err != nil {
		return 1
	}
	defer func() {
		if r := recover(); r != nil {
			sink.panic = r
			stop = 1
		}
	}()
	data := []byte{}
	if n > 0 {
		data = C.GoBytes(unsafe.Pointer(chunk), C.int(n))
	}
	if err := sink.fn(data); err != nil {
		sink.err = err
		return 1
	}
	return 0
}
