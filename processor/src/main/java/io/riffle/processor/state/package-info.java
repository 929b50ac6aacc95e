/** State stores as processors see them; implementations live in {@code state.internal}. */
package io.riffle.processor.state;
