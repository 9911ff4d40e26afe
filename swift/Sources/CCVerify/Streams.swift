// Hand-written (not generated): the native stream form of `Session.chatStream`.

import Foundation

/// Collects the chunks of one stream into an `AsyncThrowingStream`.
private final class StreamForwarder: ChunkListener, @unchecked Sendable {
    let continuation: AsyncThrowingStream<Data, Error>.Continuation
    init(_ continuation: AsyncThrowingStream<Data, Error>.Continuation) {
        self.continuation = continuation
    }
    func onChunk(chunk: Data) throws {
        if case .terminated = continuation.yield(chunk) {
            throw CcverifyError.Cancelled(reason: "the consumer stopped reading")
        }
    }
}

extension Session {
    /// A streamed completion as an `AsyncThrowingStream` of its verified events (each one data
    /// line the agent hashed, re-serialised; `data: [DONE]` last only when the whole stream and
    /// the session verified). Iterating starts the request; cancelling the consuming task, or
    /// ending the iteration early, aborts the request itself (the gateway sees the connection
    /// close). In a strict session (the default) a stream that did not verify ends by throwing
    /// `CcverifyError.UnverifiedResponse`, whose `response` has the verdict.
    public func chatStreamEvents(body: Data, hold: Bool = false) -> AsyncThrowingStream<Data, Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    _ = try await self.chatStream(
                        body: body, hold: hold, listener: StreamForwarder(continuation))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
