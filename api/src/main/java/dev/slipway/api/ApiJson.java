package dev.slipway.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The one JSON mapping of the API's documents, used by the server to write them and by {@link SlipwayClient} to read
 * them, so the two sides agree on every field: absent optionals are written as {@code null}, instants as ISO-8601
 * text, and fields a newer server adds are ignored by an older client.
 */
public final class ApiJson {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new Jdk8Module())
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
            .build();

    private ApiJson() {}

    /** The document as a JSON object, for servers that add it to a larger reply or write it out. */
    public static ObjectNode tree(Record document) {
        return MAPPER.valueToTree(document);
    }

    /** Reads a document of {@code type} from JSON the server wrote; a field of the wrong shape is an error. */
    public static <T> T read(JsonNode json, Class<T> type) {
        try {
            return MAPPER.treeToValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "not a " + type.getSimpleName() + " document: " + e.getOriginalMessage(), e);
        }
    }

    /** Parses a reply body. */
    public static JsonNode parse(String json) throws JsonProcessingException {
        return MAPPER.readTree(json);
    }

    /** A new, empty JSON object, for request bodies. */
    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }
}
