/**
 * The processor API: custom {@link io.riffle.processor.api.Processor}s with state stores,
 * punctuation and forwarding. The DSL in {@code io.riffle.processor} compiles to it.
 */
package io.riffle.processor.api;
