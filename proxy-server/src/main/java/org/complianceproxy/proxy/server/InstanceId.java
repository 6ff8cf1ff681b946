package org.complianceproxy.proxy.server;

import java.util.UUID;

/** This process's id in audit records, so officers can tell replicas apart. */
final class InstanceId {

  private static final String ID = initial();

  private InstanceId() {}

  static String get() {
    return ID;
  }

  private static String initial() {
    String host = System.getenv("HOSTNAME");
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    return (host == null || host.isBlank() ? "proxy" : host) + "-" + suffix;
  }
}
