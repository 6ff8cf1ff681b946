package org.complianceproxy.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Serves Bedrock runtime's four model operations, after {@code HttpObjectAggregator}: {@code POST
 * /model/{modelId}/converse}, {@code /converse-stream}, {@code /invoke} and {@code
 * /invoke-with-response-stream} (Anthropic messages bodies). Every request is recorded first, then
 * answered with the text of its user messages: whole for the plain operations, in pieces of 1 to 7
 * characters for the streamed ones, whose event-stream bytes are also cut into small writes.
 *
 * <p>A model id containing {@code throttle}, {@code validation-error}, {@code denied} or {@code
 * not-ready} gets the matching Bedrock error instead; one containing {@code say:} adds its own text
 * to the echo ({@link Say}). Requests are released by {@link SimpleChannelInboundHandler}.
 */
final class BedrockHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String EVENT_STREAM = "application/vnd.amazon.eventstream";

  private final RequestRecorder recorder;
  // piece sizes of streamed answers and TCP writes; one per connection, seeded for repeatability
  private final Random random;
  private final int fragmentBytes;

  BedrockHandler(RequestRecorder recorder, long seed, int fragmentBytes) {
    this.recorder = recorder;
    this.random = new Random(seed);
    this.fragmentBytes = fragmentBytes;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    recorder.record(received(request));
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    String path = new QueryStringDecoder(request.uri()).rawPath();
    String[] segments = path.split("/");
    if (segments.length != 4
        || !segments[1].equals("model")
        || !"POST".equals(request.method().name())) {
      error(ctx, keepAlive, 404, "UnknownOperationException", "Unknown operation");
      return;
    }
    String modelId = QueryStringDecoder.decodeComponent(segments[2]);
    String operation = segments[3];
    if (failure(ctx, keepAlive, modelId)) {
      return;
    }
    JsonNode body;
    try {
      body = JSON.readTree(request.content().toString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      error(ctx, keepAlive, 400, "ValidationException", "Malformed input request");
      return;
    }
    if (!(body instanceof ObjectNode) || !(body.get("messages") instanceof ArrayNode messages)) {
      error(ctx, keepAlive, 400, "ValidationException", "messages is required");
      return;
    }
    switch (operation) {
      case "converse" -> converse(ctx, keepAlive, Say.answer(modelId, echo(messages, false)));
      case "converse-stream" ->
          converseStream(ctx, keepAlive, Say.answer(modelId, echo(messages, false)));
      case "invoke" -> invoke(ctx, keepAlive, modelId, Say.answer(modelId, echo(messages, true)));
      case "invoke-with-response-stream" ->
          invokeStream(ctx, keepAlive, modelId, Say.answer(modelId, echo(messages, true)));
      default -> error(ctx, keepAlive, 404, "UnknownOperationException", "Unknown operation");
    }
  }

  private boolean failure(ChannelHandlerContext ctx, boolean keepAlive, String modelId) {
    if (modelId.contains("throttle")) {
      error(ctx, keepAlive, 429, "ThrottlingException", "Too many requests, please wait.");
    } else if (modelId.contains("validation-error")) {
      error(ctx, keepAlive, 400, "ValidationException", "The model rejected the input.");
    } else if (modelId.contains("denied")) {
      error(ctx, keepAlive, 403, "AccessDeniedException", "No access to this model.");
    } else if (modelId.contains("not-ready")) {
      error(ctx, keepAlive, 429, "ModelNotReadyException", "The model is not ready.");
    } else {
      return false;
    }
    return true;
  }

  /** The user messages' text, Converse content blocks or Anthropic content, joined by newlines. */
  private static String echo(ArrayNode messages, boolean anthropic) {
    List<String> texts = new ArrayList<>();
    for (JsonNode message : messages) {
      if (!"user".equals(message.path("role").asText())) {
        continue;
      }
      JsonNode content = message.get("content");
      if (content != null && content.isTextual()) {
        texts.add(content.textValue());
        continue;
      }
      if (content == null || !content.isArray()) {
        continue;
      }
      for (JsonNode block : content) {
        if (block.get("text") != null && block.get("text").isTextual()) {
          texts.add(block.get("text").textValue());
        }
        JsonNode result =
            anthropic ? block.get("content") : block.path("toolResult").get("content");
        if (block.has("toolResult") || "tool_result".equals(block.path("type").asText())) {
          if (result != null && result.isTextual()) {
            texts.add(result.textValue());
          } else if (result != null && result.isArray()) {
            for (JsonNode part : result) {
              if (part.get("text") != null && part.get("text").isTextual()) {
                texts.add(part.get("text").textValue());
              }
            }
          }
        }
      }
    }
    return String.join("\n", texts);
  }

  private void converse(ChannelHandlerContext ctx, boolean keepAlive, String text) {
    ObjectNode answer = JSON.createObjectNode();
    ObjectNode message = answer.putObject("output").putObject("message");
    message.put("role", "assistant");
    message.putArray("content").addObject().put("text", text);
    answer.put("stopReason", "end_turn");
    usage(answer.putObject("usage"), text, text);
    answer.putObject("metrics").put("latencyMs", 1);
    respond(ctx, keepAlive, 200, "application/json", null, bytes(answer));
  }

  private void converseStream(ChannelHandlerContext ctx, boolean keepAlive, String text) {
    List<byte[]> frames = new ArrayList<>();
    frames.add(BedrockEventStream.event("messageStart", bytes(obj().put("role", "assistant"))));
    for (String piece : pieces(text)) {
      ObjectNode delta = obj().put("contentBlockIndex", 0);
      delta.putObject("delta").put("text", piece);
      frames.add(BedrockEventStream.event("contentBlockDelta", bytes(delta)));
    }
    frames.add(
        BedrockEventStream.event("contentBlockStop", bytes(obj().put("contentBlockIndex", 0))));
    frames.add(BedrockEventStream.event("messageStop", bytes(obj().put("stopReason", "end_turn"))));
    ObjectNode metadata = obj();
    usage(metadata.putObject("usage"), text, text);
    metadata.putObject("metrics").put("latencyMs", 1);
    frames.add(BedrockEventStream.event("metadata", bytes(metadata)));
    stream(ctx, keepAlive, frames);
  }

  private void invoke(ChannelHandlerContext ctx, boolean keepAlive, String modelId, String text) {
    ObjectNode answer = anthropicMessage(modelId);
    answer.withArray("content").addObject().put("type", "text").put("text", text);
    answer.put("stop_reason", "end_turn");
    answer.putNull("stop_sequence");
    answer.putObject("usage").put("input_tokens", tokens(text)).put("output_tokens", tokens(text));
    respond(ctx, keepAlive, 200, "application/json", null, bytes(answer));
  }

  private void invokeStream(
      ChannelHandlerContext ctx, boolean keepAlive, String modelId, String text) {
    List<byte[]> frames = new ArrayList<>();
    ObjectNode start = obj().put("type", "message_start");
    ObjectNode message = anthropicMessage(modelId);
    message.putArray("content");
    message.putNull("stop_reason");
    message.putObject("usage").put("input_tokens", tokens(text)).put("output_tokens", 1);
    start.set("message", message);
    frames.add(chunk(start));
    ObjectNode blockStart = obj().put("type", "content_block_start").put("index", 0);
    blockStart.putObject("content_block").put("type", "text").put("text", "");
    frames.add(chunk(blockStart));
    for (String piece : pieces(text)) {
      ObjectNode delta = obj().put("type", "content_block_delta").put("index", 0);
      delta.putObject("delta").put("type", "text_delta").put("text", piece);
      frames.add(chunk(delta));
    }
    frames.add(chunk(obj().put("type", "content_block_stop").put("index", 0)));
    ObjectNode messageDelta = obj().put("type", "message_delta");
    messageDelta.putObject("delta").put("stop_reason", "end_turn").putNull("stop_sequence");
    messageDelta.putObject("usage").put("output_tokens", tokens(text));
    frames.add(chunk(messageDelta));
    ObjectNode stop = obj().put("type", "message_stop");
    stop.putObject("amazon-bedrock-invocationMetrics")
        .put("inputTokenCount", tokens(text))
        .put("outputTokenCount", tokens(text))
        .put("invocationLatency", 1)
        .put("firstByteLatency", 1);
    frames.add(chunk(stop));
    stream(ctx, keepAlive, frames);
  }

  private static ObjectNode anthropicMessage(String modelId) {
    return obj()
        .put("id", "msg_" + Ids.requestId())
        .put("type", "message")
        .put("role", "assistant")
        .put("model", modelId);
  }

  /** An InvokeModelWithResponseStream {@code chunk} event: the Anthropic event, base64 encoded. */
  private static byte[] chunk(ObjectNode anthropicEvent) {
    ObjectNode payload =
        obj().put("bytes", Base64.getEncoder().encodeToString(bytes(anthropicEvent)));
    return BedrockEventStream.event("chunk", bytes(payload));
  }

  private static void usage(ObjectNode usage, String input, String output) {
    usage
        .put("inputTokens", tokens(input))
        .put("outputTokens", tokens(output))
        .put("totalTokens", tokens(input) + tokens(output));
  }

  private static int tokens(String text) {
    return 1 + text.length() / 4;
  }

  /** The text in pieces of 1 to 7 code points, never splitting a surrogate pair. */
  private List<String> pieces(String text) {
    List<String> pieces = new ArrayList<>();
    int i = 0;
    while (i < text.length()) {
      int end =
          text.offsetByCodePoints(
              i, Math.min(1 + random.nextInt(7), text.codePointCount(i, text.length())));
      pieces.add(text.substring(i, end));
      i = end;
    }
    return pieces;
  }

  private void stream(ChannelHandlerContext ctx, boolean keepAlive, List<byte[]> frames) {
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    head.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, EVENT_STREAM)
        .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED)
        .set("x-amzn-requestid", Ids.requestId());
    HttpUtil.setKeepAlive(head, keepAlive);
    ctx.write(head);
    Fragmenter fragmenter = new Fragmenter(fragmentBytes, random);
    for (byte[] frame : frames) {
      fragmenter.cut(
          frame, piece -> ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(piece))));
    }
    fragmenter.flush(piece -> ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(piece))));
    var last = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
    if (!keepAlive) {
      last.addListener(ChannelFutureListener.CLOSE);
    }
  }

  private static void error(
      ChannelHandlerContext ctx, boolean keepAlive, int status, String type, String message) {
    respond(ctx, keepAlive, status, "application/json", type, bytes(obj().put("message", message)));
  }

  private static void respond(
      ChannelHandlerContext ctx,
      boolean keepAlive,
      int status,
      String contentType,
      String errorType,
      byte[] body) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(body));
    response
        .headers()
        .set(HttpHeaderNames.CONTENT_TYPE, contentType)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
        .set("x-amzn-requestid", Ids.requestId());
    if (errorType != null) {
      response.headers().set("x-amzn-errortype", errorType);
    }
    HttpUtil.setKeepAlive(response, keepAlive);
    var written = ctx.writeAndFlush(response);
    if (!keepAlive) {
      written.addListener(ChannelFutureListener.CLOSE);
    }
  }

  private static ObjectNode obj() {
    return JSON.createObjectNode();
  }

  private static byte[] bytes(JsonNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ReceivedRequest received(FullHttpRequest request) {
    Map<String, List<String>> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (Map.Entry<String, String> header : request.headers()) {
      headers.computeIfAbsent(header.getKey(), name -> new ArrayList<>()).add(header.getValue());
    }
    return new ReceivedRequest(
        request.method().name(),
        request.uri(),
        headers,
        request.content().toString(StandardCharsets.UTF_8));
  }
}
