package org.complianceproxy.proxy.kms;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.complianceproxy.proxy.error.ProxyError;
import org.complianceproxy.proxy.error.ProxyException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.kms.KmsAsyncClient;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.DecryptRequest;
import software.amazon.awssdk.services.kms.model.GenerateDataKeyRequest;
import software.amazon.awssdk.services.kms.model.KmsException;

/**
 * Tenant data keys from AWS KMS: {@code GenerateDataKey} (AES-256) and {@code Decrypt}, each with
 * the encryption context {@code {"tenant": T, "purpose": "complianceproxy/tenant-data-key",
 * "key_version": V}}, so KMS itself refuses to unwrap a key for another tenant or version, and
 * CloudTrail names the tenant of every call. Uses the asynchronous client: no thread waits on KMS.
 */
public final class KmsDataKeySource implements DataKeySource {

  static final String PURPOSE = "complianceproxy/tenant-data-key";

  // the SDK client; owned by whoever built this source
  private final KmsAsyncClient kms;
  // the KMS key (id, ARN or alias) that wraps every data key
  private final String keyId;

  public KmsDataKeySource(KmsAsyncClient kms, String keyId) {
    this.kms = requireNonNull(kms, "kms");
    this.keyId = requireNonNull(keyId, "keyId");
  }

  @Override
  public CompletableFuture<DataKey> generate(String tenant, int version) {
    GenerateDataKeyRequest request =
        GenerateDataKeyRequest.builder()
            .keyId(keyId)
            .keySpec(DataKeySpec.AES_256)
            .encryptionContext(context(tenant, version))
            .build();
    CompletableFuture<DataKey> result = new CompletableFuture<>();
    call(() -> kms.generateDataKey(request))
        .whenComplete(
            (response, error) -> {
              if (error != null) {
                result.completeExceptionally(failure("GenerateDataKey", tenant, error));
              } else {
                result.complete(
                    new DataKey(
                        response.plaintext().asByteArray(),
                        response.ciphertextBlob().asByteArray()));
              }
            });
    return result;
  }

  @Override
  public CompletableFuture<byte[]> unwrap(String tenant, int version, byte[] wrapped) {
    DecryptRequest request =
        DecryptRequest.builder()
            .keyId(keyId)
            .ciphertextBlob(SdkBytes.fromByteArray(wrapped))
            .encryptionContext(context(tenant, version))
            .build();
    CompletableFuture<byte[]> result = new CompletableFuture<>();
    call(() -> kms.decrypt(request))
        .whenComplete(
            (response, error) -> {
              if (error != null) {
                result.completeExceptionally(failure("Decrypt", tenant, error));
              } else {
                result.complete(response.plaintext().asByteArray());
              }
            });
    return result;
  }

  static Map<String, String> context(String tenant, int version) {
    return Map.of("tenant", tenant, "purpose", PURPOSE, "key_version", Integer.toString(version));
  }

  // the SDK may throw instead of returning a failed future (e.g. a request it cannot build)
  private static <T> CompletableFuture<T> call(
      java.util.function.Supplier<CompletableFuture<T>> c) {
    try {
      return c.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private static ProxyException failure(String operation, String tenant, Throwable error) {
    Throwable cause =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    String why;
    if (cause instanceof KmsException kms && kms.awsErrorDetails() != null) {
      why =
          kms.awsErrorDetails().errorCode()
              + " (HTTP "
              + kms.statusCode()
              + ")"
              + (kms.statusCode() == 400 ? ": KMS refused the call" : ": KMS is unavailable");
    } else if (cause instanceof SdkClientException) {
      why = "KMS is unreachable (" + cause.getClass().getSimpleName() + ")";
    } else {
      why = cause.getClass().getSimpleName();
    }
    return new ProxyException(
        ProxyError.VAULT_UNAVAILABLE,
        "KMS " + operation + " for the data key of tenant " + tenant + " failed: " + why);
  }
}
