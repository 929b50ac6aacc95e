package io.riffle.log.server;

import java.util.Map;

import io.riffle.log.network.Request;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse;

/** DescribeConfigs, AlterConfigs and IncrementalAlterConfigs for topics and the broker. */
final class ConfigApis {
    private final ApiContext context;

    ConfigApis(ApiContext context) {
        this.context = context;
    }

    /** Where a topic key's effective value comes from. */
    static DescribeConfigsResponse.ConfigSource source(ApiContext context, Map<String, String> overrides, String key) {
        if (overrides.containsKey(key)) {
            return DescribeConfigsResponse.ConfigSource.TOPIC_CONFIG;
        }
        if (context.config().brokerSetsLogKey(key)) {
            return DescribeConfigsResponse.ConfigSource.STATIC_BROKER_CONFIG;
        }
        return DescribeConfigsResponse.ConfigSource.DEFAULT_CONFIG;
    }

    DescribeConfigsResponseData describeConfigs(Request request) {
        return (DescribeConfigsResponseData) request.<AbstractRequest>body().getErrorResponse(0,
                new org.apache.kafka.common.errors.UnsupportedVersionException("not yet")).data();
    }

    AlterConfigsResponseData alterConfigs(Request request) {
        return (AlterConfigsResponseData) request.<AbstractRequest>body().getErrorResponse(0,
                new org.apache.kafka.common.errors.UnsupportedVersionException("not yet")).data();
    }

    IncrementalAlterConfigsResponseData incrementalAlterConfigs(Request request) {
        return (IncrementalAlterConfigsResponseData) request.<AbstractRequest>body().getErrorResponse(0,
                new org.apache.kafka.common.errors.UnsupportedVersionException("not yet")).data();
    }
}
