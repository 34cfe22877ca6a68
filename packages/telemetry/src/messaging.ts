import { SpanKind, context, type Attributes, type Span, type Tracer } from "@opentelemetry/api";
import { extractTraceContext, injectTraceContext, type TraceCarrier } from "./propagation.js";
import { inSpan } from "./spans.js";
import { ATTR, MESSAGING_SYSTEM, SPAN, messagingSpanName, type MessagingOperation } from "./trace-names.js";

/** Attributes of a queue span (OpenTelemetry messaging conventions). */
function messagingAttributes(operation: MessagingOperation, queue: string, messageId: string): Attributes {
  return {
    [ATTR.messagingSystem]: MESSAGING_SYSTEM,
    [ATTR.messagingDestinationName]: queue,
    [ATTR.messagingMessageId]: messageId,
    [ATTR.messagingOperationType]: operation,
    [ATTR.messagingOperationName]: operation,
  };
}

/**
 * Runs `enqueue` inside a PRODUCER span `send <queue>` (child of the active span) and
 * hands it the trace context to store in the message, so the consumer's span
 * continues this one. The carrier is `{}` when tracing is off. Store it once: BullMQ
 * retries reuse the job's data, so every attempt's consumer span has this parent.
 */
export function inProducerSpan<T>(tracer: Tracer, queue: string, messageId: string, enqueue: (carrier: TraceCarrier, span: Span) => Promise<T>): Promise<T> {
  const options = { kind: SpanKind.PRODUCER, attributes: messagingAttributes(SPAN.send, queue, messageId) };
  return inSpan(tracer, messagingSpanName(SPAN.send, queue), options, (span) => enqueue(injectTraceContext(), span));
}

/**
 * Runs `consume` inside a CONSUMER span `process <queue>` whose parent is the trace
 * context found in the message (`carrier`, as written by {@link inProducerSpan}); a
 * missing or unreadable carrier starts a new trace. A throw marks the span ERROR and is
 * passed on; `consume` adds the outcome's attributes (`ATTR.errorType` before throwing).
 */
export function inConsumerSpan<T>(
  tracer: Tracer,
  message: { queue: string; messageId: string; carrier: unknown; attributes?: Attributes },
  consume: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = extractTraceContext(message.carrier, context.active());
  const options = { kind: SpanKind.CONSUMER, attributes: { ...messagingAttributes(SPAN.process, message.queue, message.messageId), ...message.attributes } };
  return inSpan(tracer, messagingSpanName(SPAN.process, message.queue), options, consume, parent);
}
