package org.complianceproxy.proxy.kms;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsAsyncClient;

/** The real AWS SDK KMS client, pointed at a local endpoint, with static test credentials. */
public final class KmsTestClients {

  public static final String KEY_ID = "alias/compliance-proxy-test";

  private KmsTestClients() {}

  public static KmsAsyncClient client(String endpoint) {
    return KmsAsyncClient.builder()
        .region(Region.US_EAST_1)
        .endpointOverride(URI.create(endpoint))
        .credentialsProvider(
            StaticCredentialsProvider.create(
                AwsBasicCredentials.create("AKIDTESTKMSCLIENT", "test-secret-not-real")))
        .overrideConfiguration(
            ClientOverrideConfiguration.builder().apiCallTimeout(Duration.ofSeconds(10)).build())
        .build();
  }
}
