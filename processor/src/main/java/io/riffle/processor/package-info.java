/** processor: arrives with its own issue. */
package io.riffle.processor;
