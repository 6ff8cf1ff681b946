package org.complianceproxy.proxy.bedrock;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Which model names of the OpenAI front door go to Bedrock: glob patterns ({@code anthropic.*},
 * {@code eu.*}, {@code arn:aws:bedrock:*}) where {@code *} matches any run of characters and
 * everything else is literal. Names that match none stay with OpenAI. Immutable.
 */
public final class ModelRoutes {

  private final List<Pattern> patterns;

  public ModelRoutes(List<String> globs) {
    this.patterns = globs.stream().map(ModelRoutes::compile).toList();
  }

  public boolean toBedrock(String model) {
    for (Pattern pattern : patterns) {
      if (pattern.matcher(model).matches()) {
        return true;
      }
    }
    return false;
  }

  private static Pattern compile(String glob) {
    StringBuilder regex = new StringBuilder();
    for (String literal : glob.split("\\*", -1)) {
      if (regex.length() > 0) {
        regex.append(".*");
      }
      regex.append(Pattern.quote(literal));
    }
    return Pattern.compile(regex.toString(), Pattern.DOTALL);
  }
}
