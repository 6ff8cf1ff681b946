package org.complianceproxy.bench;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * Bedrock ConverseStream requests as an AWS SDK client sends them to the proxy's native front door:
 * {@code POST /model/{modelId}/converse-stream} with a Converse body, signed with AWS Signature
 * Version 4 by the AWS SDK's own signer under a proxy-issued key pair. A signature holds for five
 * minutes of clock skew and nothing in it is single-use, so one signed request is sent again and
 * again by a run of a few seconds; make the workload right before its run.
 */
final class BedrockRequests {
  static final String REGION = "us-east-1";
  static final String MODEL = "anthropic.claude-3-haiku-20240307-v1:0";
  static final String ACCESS_KEY_ID = "AKIABENCHLOAD0000001";
  static final String SECRET = "bench-load-secret-key-for-sigv4-0000000000";

  private BedrockRequests() {}

  /**
   * @param port where the proxy listens: the signature covers the {@code host} header
   * @param userText the user message, which the stand-in streams back in pieces of 1 to 7 chars
   */
  static Workload converseStream(String name, int port, String userText) {
    // the model id's colon is percent-encoded in the path, as the AWS SDK sends it
    String path = "/model/" + MODEL.replace(":", "%3A") + "/converse-stream";
    String json =
        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\""
            + userText
            + "\"}]}],\"system\":[{\"text\":\"You are a helpful assistant.\"}],"
            + "\"inferenceConfig\":{\"maxTokens\":1024}}";
    SdkHttpRequest unsigned =
        SdkHttpRequest.builder()
            .method(SdkHttpMethod.POST)
            .uri(URI.create("http://127.0.0.1:" + port + path))
            .putHeader("content-type", "application/json")
            .build();
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    SignedRequest signed =
        AwsV4HttpSigner.create()
            .sign(
                r ->
                    r.identity(AwsCredentialsIdentity.create(ACCESS_KEY_ID, SECRET))
                        .request(unsigned)
                        .payload(ContentStreamProvider.fromByteArray(body))
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "bedrock")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, REGION));
    Map<String, String> headers = new LinkedHashMap<>();
    for (Map.Entry<String, List<String>> header : signed.request().headers().entrySet()) {
      headers.put(header.getKey(), String.join(",", header.getValue()));
    }
    headers.put("accept", "application/vnd.amazon.eventstream");
    return Workload.of(name, path, json, headers, Workload.Answer.EVENT_STREAM);
  }
}
