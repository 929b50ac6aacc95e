/** Runnable examples of Riffle's processor; see samples/README.md. */
package io.riffle.samples;
