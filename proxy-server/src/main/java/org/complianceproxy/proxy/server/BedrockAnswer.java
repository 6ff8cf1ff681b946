package org.complianceproxy.proxy.server;

import io.netty.channel.Channel;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.complianceproxy.proxy.bedrock.BedrockUpstream;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * Receives one Bedrock answer for an exchange: hands the AWS SDK's callbacks, which arrive on the
 * SDK's threads, over to the client's event loop, and sets the demand on the body so the upstream
 * is read only as fast as the client takes the answer.
 *
 * <p>Buffers: each SDK buffer is copied into a byte array before it leaves the SDK's thread, so
 * nothing the SDK owns is kept; the {@link Sink} owns the copies.
 */
final class BedrockAnswer implements BedrockUpstream.Listener {

  /** The exchange's side; every method runs on the client's event loop. */
  interface Sink {
    /** Whether the exchange has ended; the body is then cancelled and no more is asked for. */
    boolean ended();

    /** The status and Bedrock's error type ({@code x-amzn-ErrorType} without detail), or null. */
    void head(int status, String errorType);

    /** One copied body buffer; the sink calls {@link #requestMore} once it took it. */
    void bytes(byte[] bytes);

    void failed(Throwable error);

    void complete();
  }

  /** Upstream buffers requested ahead; each is at most one network read. */
  private static final int WINDOW = 32;

  // runs tasks on the client's event loop
  private final ExchangeLifecycle life;
  // writability of the client connection decides the demand
  private final Channel client;
  private final Sink sink;

  // the body's subscription; null until the body began
  private Subscription subscription;
  // buffers requested from the upstream and not yet received
  private int outstanding;
  // more was wanted while the client was not writable
  private boolean wantMore;

  BedrockAnswer(ExchangeLifecycle life, Channel client, Sink sink) {
    this.life = life;
    this.client = client;
    this.sink = sink;
  }

  @Override
  public void onHead(int status, Map<String, List<String>> headers) {
    String errorType = errorType(headers);
    life.onLoop(() -> sink.head(status, errorType));
  }

  @Override
  public void onBody(Publisher<ByteBuffer> body) {
    body.subscribe(
        new Subscriber<ByteBuffer>() {
          @Override
          public void onSubscribe(Subscription s) {
            life.onLoop(
                () -> {
                  subscription = s;
                  if (sink.ended()) {
                    s.cancel();
                  } else {
                    requestMore();
                  }
                });
          }

          @Override
          public void onNext(ByteBuffer buffer) {
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            life.onLoop(
                () -> {
                  outstanding--;
                  sink.bytes(bytes);
                });
          }

          @Override
          public void onError(Throwable t) {
            life.onLoop(() -> sink.failed(t));
          }

          @Override
          public void onComplete() {
            life.onLoop(sink::complete);
          }
        });
  }

  @Override
  public void onError(Throwable error) {
    life.onLoop(() -> sink.failed(error));
  }

  /**
   * Keeps up to {@link #WINDOW} upstream buffers requested while the client is writable: the SDK
   * hands over each network read as one buffer, and asking for them one by one would cost a thread
   * hop per read.
   */
  void requestMore() {
    if (sink.ended() || subscription == null) {
      return;
    }
    if (!client.isWritable()) {
      wantMore = true;
      return;
    }
    wantMore = false;
    if (outstanding <= WINDOW / 2) {
      subscription.request(WINDOW - outstanding);
      outstanding = WINDOW;
    }
  }

  /** The client can take more: asks for what was held back. */
  void clientWritable() {
    if (wantMore) {
      requestMore();
    }
  }

  /** Stops the body, if it began. */
  void cancel() {
    if (subscription != null) {
      subscription.cancel();
    }
  }

  /** The upstream connection failed: before the head nothing was answered, after it mid-answer. */
  static ProxyException lost(boolean beforeHead) {
    return beforeHead
        ? new ProxyException(
            ProxyError.UPSTREAM_UNREACHABLE, "The Bedrock upstream is unreachable.")
        : new ProxyException(
            ProxyError.UPSTREAM_BAD_RESPONSE,
            "The Bedrock upstream closed the connection mid-answer.");
  }

  /** The upstream ended the body before its head: nothing can be answered. */
  static ProxyException endedBeforeHead() {
    return new ProxyException(
        ProxyError.UPSTREAM_BAD_RESPONSE, "The Bedrock upstream ended the answer before it began.");
  }

  /** The error type Bedrock names in {@code x-amzn-ErrorType}, without the detail after ':'. */
  private static String errorType(Map<String, List<String>> headers) {
    for (Map.Entry<String, List<String>> header : headers.entrySet()) {
      if (header.getKey().equalsIgnoreCase("x-amzn-ErrorType") && !header.getValue().isEmpty()) {
        String value = header.getValue().get(0);
        int colon = value.indexOf(':');
        return colon >= 0 ? value.substring(0, colon) : value;
      }
    }
    return null;
  }
}
