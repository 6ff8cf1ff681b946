package org.complianceproxy.standin;

import static io.netty.handler.codec.http.HttpVersion.HTTP_1_1;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Imitates OpenAI's {@code POST /v1/chat/completions} on one connection: records each request,
 * authenticates it, and answers as its model name's {@link Behaviour} says.
 *
 * <p>Placement: last, after {@code HttpServerCodec}, {@code HttpServerKeepAliveHandler} and {@code
 * HttpObjectAggregator}. Input: {@link FullHttpRequest}, copied into a {@link ReceivedRequest} and
 * released by {@link SimpleChannelInboundHandler} when {@code channelRead0} returns. Output: {@link
 * HttpResponse} and {@code HttpContent}s whose buffers it allocates and hands to the pipeline with
 * the write. Requests pipelined on one connection wait in a queue and are answered in order, one at
 * a time, as HTTP/1.1 requires.
 *
 * <p>Not sharable: holds the connection's queue and the response being written.
 */
final class ChatCompletionsHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  static final String CHAT_COMPLETIONS_PATH = "/v1/chat/completions";

  /** Deltas that {@code reset-mid-stream} streams after the first chunk, before the reset. */
  private static final int DELTAS_BEFORE_RESET = 2;

  private static final String EVENT_STREAM = "text/event-stream; charset=utf-8";
  private static final String REQUEST_ID = "x-request-id";
  private static final String BEARER = "Bearer ";

  private final StandInOptions options;
  private final RequestRecorder recorder;
  // Received, not yet answered; the one being answered is not in here.
  private final ArrayDeque<ReceivedRequest> waiting = new ArrayDeque<>();
  // True from the start of an answer until it is fully written; forever for `hang`.
  private boolean answering;
  // The streamed body being written, or null.
  private ResponsePump pump;

  ChatCompletionsHandler(StandInOptions options, RequestRecorder recorder) {
    this.options = options;
    this.recorder = recorder;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    if (request.decoderResult().isFailure()) {
      // After a framing error the connection's byte stream cannot be trusted: answer if the
      // answer can go out in order, and close either way (the keep-alive handler closes after
      // a response that says "connection: close").
      waiting.clear();
      if (answering) {
        ctx.close();
        return;
      }
      HttpResponse head = jsonHead(HttpResponseStatus.BAD_REQUEST);
      head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      answering = true;
      sendBody(ctx, head, OpenAiJson.error(OpenAiError.malformedHttp()));
      return;
    }
    ReceivedRequest received = receivedOf(request);
    recorder.record(received);
    waiting.addLast(received);
    if (!answering) {
      answerNext(ctx);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (pump != null && ctx.channel().isWritable()) {
      pump.resume();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    waiting.clear();
    pump = null;
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // A client that goes away mid-answer is routine for a test upstream; nothing to report.
    ctx.close();
  }

  private void answerNext(ChannelHandlerContext ctx) {
    pump = null;
    ReceivedRequest next = ctx.channel().isActive() ? waiting.pollFirst() : null;
    answering = next != null;
    if (next != null) {
      answer(ctx, next);
    }
  }

  private void answer(ChannelHandlerContext ctx, ReceivedRequest request) {
    Optional<OpenAiError> denied = authenticate(request);
    if (denied.isPresent()) {
      sendError(ctx, denied.get());
      return;
    }
    String path = new QueryStringDecoder(request.uri()).path();
    if (!HttpMethod.POST.name().equals(request.method()) || !CHAT_COMPLETIONS_PATH.equals(path)) {
      sendError(ctx, OpenAiError.invalidUrl(request.method(), path));
      return;
    }
    ChatRequest chat;
    try {
      chat = ChatRequest.parse(request.body());
    } catch (BadRequestException e) {
      sendError(ctx, e.error());
      return;
    }
    Behaviour behaviour = Behaviour.forModel(chat.model());
    switch (behaviour.kind()) {
      case FAIL_500:
        sendError(ctx, OpenAiError.serverError());
        break;
      case FAIL_429:
        sendError(ctx, OpenAiError.rateLimited());
        break;
      case HANG:
        // Stays `answering` for good: later requests on this connection hang as well.
        break;
      case SLOW:
        ctx.executor()
            .schedule(
                () -> echo(ctx, request, chat, false, false),
                behaviour.delay().toMillis(),
                TimeUnit.MILLISECONDS);
        break;
      case RESET_MID_STREAM:
        echo(ctx, request, chat, false, true);
        break;
      case ECHO_TOOL:
        echo(ctx, request, chat, true, false);
        break;
      case ECHO:
        echo(ctx, request, chat, false, false);
        break;
      default:
        throw new AssertionError(behaviour);
    }
  }

  private Optional<OpenAiError> authenticate(ReceivedRequest request) {
    if (options.apiKey() == null) {
      return Optional.empty();
    }
    String authorization = request.header(HttpHeaderNames.AUTHORIZATION.toString()).orElse("");
    if (!authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return Optional.of(OpenAiError.missingApiKey());
    }
    byte[] presented =
        authorization.substring(BEARER.length()).trim().getBytes(StandardCharsets.UTF_8);
    byte[] expected = options.apiKey().getBytes(StandardCharsets.UTF_8);
    return MessageDigest.isEqual(presented, expected)
        ? Optional.empty()
        : Optional.of(OpenAiError.invalidApiKey());
  }

  private void echo(
      ChannelHandlerContext ctx,
      ReceivedRequest request,
      ChatRequest chat,
      boolean asToolCall,
      boolean reset) {
    if (!ctx.channel().isActive()) {
      return;
    }
    Random random = new Random(seedFor(request));
    Random fragmentRandom = new Random(random.nextLong());
    long created = System.currentTimeMillis() / 1000;
    Pacing pacing = Pacing.forModel(chat.model());
    CompletionScript script = new CompletionScript(chat, created, asToolCall, random, pacing);
    ResponsePump.Ending ending = reset ? ResponsePump.Ending.RESET : ResponsePump.Ending.FINISH;
    if (chat.stream()) {
      HttpResponse head = new DefaultHttpResponse(HTTP_1_1, HttpResponseStatus.OK);
      head.headers()
          .set(HttpHeaderNames.CONTENT_TYPE, EVENT_STREAM)
          .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED)
          .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
          .set(REQUEST_ID, Ids.requestId());
      Iterator<byte[]> events =
          reset ? script.eventsCutAfter(DELTAS_BEFORE_RESET) : script.events();
      long intervalNanos = pacing == null ? 0 : pacing.interval().toNanos();
      startPump(ctx, head, events, ending, fragmentRandom, intervalNanos);
      return;
    }
    byte[] body = script.completionBody();
    if (reset) {
      HttpResponse head = jsonHead(HttpResponseStatus.OK);
      HttpUtil.setContentLength(head, body.length);
      byte[] half = Arrays.copyOf(body, body.length / 2);
      startPump(ctx, head, List.of(half).iterator(), ending, fragmentRandom);
    } else {
      sendBody(ctx, jsonHead(HttpResponseStatus.OK), body, fragmentRandom);
    }
  }

  private void sendError(ChannelHandlerContext ctx, OpenAiError error) {
    sendBody(ctx, jsonHead(HttpResponseStatus.valueOf(error.status())), OpenAiJson.error(error));
  }

  private void sendBody(ChannelHandlerContext ctx, HttpResponse head, byte[] body) {
    sendBody(ctx, head, body, new Random(Arrays.hashCode(body)));
  }

  /** Sends {@code head} with {@code body}, in one write, or in fragments when configured. */
  private void sendBody(
      ChannelHandlerContext ctx, HttpResponse head, byte[] body, Random fragmentRandom) {
    HttpUtil.setContentLength(head, body.length);
    if (options.fragmentBytes() > 0) {
      startPump(ctx, head, List.of(body).iterator(), ResponsePump.Ending.FINISH, fragmentRandom);
      return;
    }
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HTTP_1_1,
            head.status(),
            ctx.alloc().ioBuffer(body.length).writeBytes(body),
            head.headers(),
            EmptyHttpHeaders.INSTANCE);
    ctx.writeAndFlush(response).addListener(f -> answerNext(ctx));
  }

  private void startPump(
      ChannelHandlerContext ctx,
      HttpResponse head,
      Iterator<byte[]> units,
      ResponsePump.Ending ending,
      Random fragmentRandom) {
    startPump(ctx, head, units, ending, fragmentRandom, 0);
  }

  private void startPump(
      ChannelHandlerContext ctx,
      HttpResponse head,
      Iterator<byte[]> units,
      ResponsePump.Ending ending,
      Random fragmentRandom,
      long intervalNanos) {
    Fragmenter fragmenter =
        options.fragmentBytes() > 0
            ? new Fragmenter(options.fragmentBytes(), fragmentRandom)
            : null;
    pump = new ResponsePump(ctx, units, fragmenter, ending, () -> answerNext(ctx), intervalNanos);
    pump.start(head);
  }

  private long seedFor(ReceivedRequest request) {
    return options.seed() != null ? options.seed() : request.body().hashCode();
  }

  private static HttpResponse jsonHead(HttpResponseStatus status) {
    HttpResponse head = new DefaultHttpResponse(HTTP_1_1, status);
    head.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
        .set(REQUEST_ID, Ids.requestId());
    return head;
  }

  private static ReceivedRequest receivedOf(FullHttpRequest request) {
    Map<String, List<String>> headers = new LinkedHashMap<>();
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
