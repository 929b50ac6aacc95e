/** connectors: arrives with its own issue. */
package io.riffle.connect;
