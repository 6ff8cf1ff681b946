package org.complianceproxy.proxy.bedrock;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.complianceproxy.proxy.config.ProxyConfig;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.http.async.AsyncExecuteRequest;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.async.SdkAsyncHttpResponseHandler;
import software.amazon.awssdk.http.async.SdkHttpContentPublisher;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * The Bedrock runtime upstream of the native front door, pinned to one region: sends the sanitized
 * body of {@code POST /model/{modelId}/{operation}} exactly as serialized, signed with SigV4 under
 * the proxy's own credentials (the AWS default provider chain), on the AWS SDK's pooled Netty HTTP
 * client. The body is forwarded byte for byte rather than rebuilt from SDK model objects, so that
 * fields the SDK does not model yet still reach the model; the answer's bytes come back as they
 * arrive, for the caller to restore. Thread-safe; one instance serves all requests.
 */
public final class BedrockUpstream implements AutoCloseable {

  private final String region;
  private final URI endpoint;
  private final SdkAsyncHttpClient http;
  private final AwsCredentialsProvider credentials;
  private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();

  BedrockUpstream(
      String region, URI endpoint, SdkAsyncHttpClient http, AwsCredentialsProvider credentials) {
    this.region = requireNonNull(region, "region");
    this.endpoint = requireNonNull(endpoint, "endpoint");
    this.http = requireNonNull(http, "http");
    this.credentials = requireNonNull(credentials, "credentials");
  }

  /**
   * The upstream of the configuration: its region ({@code bedrock.region} / {@code AWS_REGION}),
   * its endpoint override or the regional endpoint, and the default credentials chain.
   */
  public static BedrockUpstream create(ProxyConfig.Bedrock config, String region) {
    URI endpoint =
        config
            .endpoint()
            .orElse(URI.create("https://bedrock-runtime." + region + ".amazonaws.com"));
    SdkAsyncHttpClient http =
        NettyNioAsyncHttpClient.builder()
            .protocol(Protocol.HTTP1_1)
            .connectionTimeout(Duration.ofSeconds(5))
            .readTimeout(Duration.ofSeconds(120))
            .maxConcurrency(1024)
            .build();
    return new BedrockUpstream(
        region, endpoint, http, DefaultCredentialsProvider.builder().build());
  }

  /** The region every request goes to, written into audit records. */
  public String region() {
    return region;
  }

  /** What the caller is told of an answer; called on the SDK's threads. */
  public interface Listener {
    void onHead(int status, Map<String, List<String>> headers);

    /** The body; the listener subscribes and sets its own demand. */
    void onBody(Publisher<ByteBuffer> body);

    void onError(Throwable error);
  }

  /**
   * Sends one request. The future completes when the exchange ends, and fails when the request
   * could not be signed or sent (the listener is told too).
   *
   * @param operation {@code converse}, {@code converse-stream}, {@code invoke} or {@code
   *     invoke-with-response-stream}
   */
  public CompletableFuture<Void> send(
      String modelId, String operation, byte[] body, boolean stream, Listener listener) {
    String path =
        (endpoint.getRawPath() == null || endpoint.getRawPath().equals("/")
                ? ""
                : endpoint.getRawPath())
            + "/model/"
            + SigV4Verifier.uriEncode(modelId)
            + "/"
            + operation;
    int port = endpoint.getPort();
    String host = endpoint.getHost() + (port < 0 ? "" : ":" + port);
    SdkHttpRequest unsigned =
        SdkHttpRequest.builder()
            .method(SdkHttpMethod.POST)
            .protocol(endpoint.getScheme())
            .host(endpoint.getHost())
            .port(port < 0 ? null : port)
            .encodedPath(path)
            .putHeader("Host", host)
            .putHeader("Content-Type", "application/json")
            .putHeader("Accept", stream ? "application/vnd.amazon.eventstream" : "application/json")
            .putHeader("Content-Length", Integer.toString(body.length))
            .build();
    return credentials
        .resolveIdentity()
        .thenCompose(
            identity -> {
              SdkHttpRequest signed =
                  signer
                      .sign(
                          r ->
                              r.identity((AwsCredentialsIdentity) identity)
                                  .request(unsigned)
                                  .payload(ContentStreamProvider.fromByteArrayUnsafe(body))
                                  .putProperty(
                                      AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "bedrock")
                                  .putProperty(AwsV4HttpSigner.REGION_NAME, region))
                      .request();
              return http.execute(
                  AsyncExecuteRequest.builder()
                      .request(signed)
                      .requestContentPublisher(new BodyPublisher(body))
                      .responseHandler(new Handler(listener))
                      .build());
            })
        .whenComplete(
            (ignored, error) -> {
              if (error != null) {
                listener.onError(error);
              }
            });
  }

  @Override
  public void close() {
    http.close();
  }

  private static final class Handler implements SdkAsyncHttpResponseHandler {
    private final Listener listener;

    Handler(Listener listener) {
      this.listener = listener;
    }

    @Override
    public void onHeaders(SdkHttpResponse response) {
      listener.onHead(response.statusCode(), response.headers());
    }

    @Override
    public void onStream(Publisher<ByteBuffer> stream) {
      listener.onBody(stream);
    }

    @Override
    public void onError(Throwable error) {
      listener.onError(error);
    }
  }

  /** The request body as one buffer, for one subscriber. */
  private static final class BodyPublisher implements SdkHttpContentPublisher {
    private final byte[] body;

    BodyPublisher(byte[] body) {
      this.body = body;
    }

    @Override
    public Optional<Long> contentLength() {
      return Optional.of((long) body.length);
    }

    @Override
    public void subscribe(Subscriber<? super ByteBuffer> subscriber) {
      AtomicBoolean sent = new AtomicBoolean();
      subscriber.onSubscribe(
          new Subscription() {
            @Override
            public void request(long n) {
              if (n > 0 && sent.compareAndSet(false, true)) {
                if (body.length > 0) {
                  subscriber.onNext(ByteBuffer.wrap(body).asReadOnlyBuffer());
                }
                subscriber.onComplete();
              }
            }

            @Override
            public void cancel() {
              sent.set(true);
            }
          });
    }
  }
}
