package org.complianceproxy.proxy.config;

/** An invalid configuration, reported at start-up as "Invalid value X for configuration Y: why". */
public final class ConfigException extends RuntimeException {

  public ConfigException(String message) {
    super(message);
  }

  static ConfigException invalid(String key, Object value, String expected) {
    return new ConfigException(
        "Invalid value " + value + " for configuration " + key + ": expected " + expected);
  }
}
