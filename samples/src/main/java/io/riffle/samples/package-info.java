/** samples: arrives with its own issue. */
package io.riffle.samples;
