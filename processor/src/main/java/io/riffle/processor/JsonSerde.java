package io.riffle.processor;

import java.io.IOException;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** A Jackson serde: values as UTF-8 JSON. Thread-safe (ObjectMapper is, once configured). */
public final class JsonSerde<T> implements Serde<T> {
    private static final ObjectMapper DEFAULT_MAPPER = new ObjectMapper();
    private final Class<T> type;
    private final ObjectMapper mapper;

    public JsonSerde(Class<T> type) {
        this(type, DEFAULT_MAPPER);
    }

    public JsonSerde(Class<T> type, ObjectMapper mapper) {
        this.type = type;
        this.mapper = mapper;
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, data) -> {
            if (data == null) {
                return null;
            }
            try {
                return mapper.writeValueAsBytes(data);
            } catch (IOException e) {
                throw new SerializationException("cannot write " + type.getSimpleName() + " as JSON for topic " + topic + ": " + e.getMessage(), e);
            }
        };
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, data) -> {
            if (data == null) {
                return null;
            }
            try {
                return mapper.readValue(data, type);
            } catch (IOException e) {
                throw new SerializationException("cannot read JSON as " + type.getSimpleName() + " from topic " + topic + ": " + e.getMessage(), e);
            }
        };
    }
}
