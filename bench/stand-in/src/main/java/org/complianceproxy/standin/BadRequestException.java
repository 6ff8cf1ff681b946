package org.complianceproxy.standin;

/** A request body that OpenAI would refuse; carries the error to answer with. */
final class BadRequestException extends Exception {
  private final OpenAiError error;

  BadRequestException(OpenAiError error) {
    super(error.message(), null, false, false);
    this.error = error;
  }

  OpenAiError error() {
    return error;
  }
}
