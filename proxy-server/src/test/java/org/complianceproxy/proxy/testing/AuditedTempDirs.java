package org.complianceproxy.proxy.testing;

import java.io.IOException;
import java.lang.reflect.AnnotatedElement;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * The default factory of every {@code @TempDir} in this module (set in {@code
 * junit-platform.properties}): creates them under {@link AuditPiiGuard#root()} instead of {@code
 * java.io.tmpdir}, so that the guard sees the audit spools of every data directory a test uses
 * before JUnit deletes it. JUnit's cleanup modes apply unchanged.
 */
public final class AuditedTempDirs implements TempDirFactory {

  @Override
  public Path createTempDirectory(
      AnnotatedElementContext elementContext, ExtensionContext extensionContext)
      throws IOException {
    Path root = AuditPiiGuard.root();
    Files.createDirectories(root);
    String owner =
        extensionContext.getTestClass().map(Class::getSimpleName).orElse("junit")
            + "-"
            + name(elementContext.getAnnotatedElement());
    return Files.createTempDirectory(root, owner + "-");
  }

  private static String name(AnnotatedElement element) {
    return element instanceof java.lang.reflect.Member member ? member.getName() : "param";
  }
}
