package org.complianceproxy.dlp.corpus;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberFormat;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberType;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Function;
import net.datafaker.Faker;
import net.datafaker.providers.base.Finance.CreditCardType;

/**
 * Writes the labelled corpus {@code src/test/resources/corpus/corpus.jsonl}: one JSON object per
 * line, {@code {"id", "lang", "kind", "text", "entities": [{"type", "start", "end"}]}}, where kind
 * is {@code positive} (holds labelled entities) or {@code decoy} (holds none, but looks like it
 * might). Everything comes from one seed: datafaker (Apache-2.0) for names, addresses, cards,
 * IBANs, BICs, routing numbers and e-mails; check digits of the other identifiers are computed
 * here, independently of the scanner's validators. Hand-written cases are in {@code
 * hand-written.jsonl} next to it and are read by the evaluation as they are.
 *
 * <p>Run {@code main} (no arguments) to rewrite the file; {@code CorpusTest} checks that the stored
 * file is exactly what this generator writes for {@link #SEED}.
 */
public final class CorpusGenerator {

  public static final long SEED = 20261126L;

  /** Items per generated positive kind and per decoy kind. */
  private static final int PER_KIND = 130;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Random random;
  private final Faker en;
  private final Faker de;
  private final Faker fr;
  private final Faker es;
  private final Faker gb;
  private final List<String> lines = new ArrayList<>();
  private int id;

  private CorpusGenerator(long seed) {
    random = new Random(seed);
    en = new Faker(Locale.forLanguageTag("en-US"), new Random(seed + 1));
    de = new Faker(Locale.GERMAN, new Random(seed + 2));
    fr = new Faker(Locale.FRENCH, new Random(seed + 3));
    es = new Faker(Locale.forLanguageTag("es"), new Random(seed + 4));
    gb = new Faker(Locale.forLanguageTag("en-GB"), new Random(seed + 5));
  }

  public static void main(String[] args) throws IOException {
    Path out = Path.of(args.length > 0 ? args[0] : "src/test/resources/corpus/corpus.jsonl");
    Files.createDirectories(out.getParent());
    Files.writeString(out, generate(SEED), StandardCharsets.UTF_8);
  }

  /** The corpus for {@code seed}, as JSON lines. */
  public static String generate(long seed) {
    CorpusGenerator g = new CorpusGenerator(seed);
    g.all();
    return String.join("\n", g.lines) + "\n";
  }

  /** A text under construction with its labelled spans. */
  private final class Item {
    final StringBuilder text = new StringBuilder();
    final ArrayNode entities = JSON.createArrayNode();

    Item t(String s) {
      text.append(s);
      return this;
    }

    Item e(String type, String value) {
      ObjectNode e = entities.addObject();
      e.put("type", type);
      e.put("start", text.length());
      text.append(value);
      e.put("end", text.length());
      return this;
    }
  }

  private void add(String lang, String kind, Item item) {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", ++id);
    o.put("lang", lang);
    o.put("kind", kind);
    o.put("text", item.text.toString());
    o.set("entities", item.entities);
    lines.add(o.toString());
  }

  /**
   * One kind of labelled item: its entity type, how a value is made for a language, and its
   * templates for en, de, fr and es ("{}" marks the value).
   */
  private record Kind(String type, Function<String, String> values, String[][] templates) {}

  /** A {@link Kind} with the templates of each language joined by {@code '|'}. */
  private static Kind kind(String type, Function<String, String> values, String... perLanguage) {
    String[][] templates = new String[perLanguage.length][];
    for (int l = 0; l < perLanguage.length; l++) {
      templates[l] = perLanguage[l].split("\\|");
    }
    return new Kind(type, values, templates);
  }

  /** {@link #PER_KIND} items of {@code kind}, the languages in turn. */
  private void positive(Kind kind) {
    String[] langs = {"en", "de", "fr", "es"};
    String[][] templates = kind.templates();
    for (int i = 0; i < PER_KIND; i++) {
      int l = i % templates.length;
      String template = templates[l][random.nextInt(templates[l].length)];
      String lang = langs[l % langs.length];
      String value = kind.values().apply(lang);
      int at = template.indexOf("{}");
      add(
          lang,
          "positive",
          new Item()
              .t(template.substring(0, at))
              .e(kind.type(), value)
              .t(template.substring(at + 2)));
    }
  }

  private void decoys(String lang, String[] templates, Function<Random, String> values) {
    for (int i = 0; i < PER_KIND; i++) {
      String template = templates[i % templates.length];
      add(lang, "decoy", new Item().t(template.replace("{}", values.apply(random))));
    }
  }

  private String pick(String... options) {
    return options[random.nextInt(options.length)];
  }

  private String digits(int n) {
    StringBuilder s = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      s.append((char) ('0' + random.nextInt(10)));
    }
    return s.toString();
  }

  private String alnum(int n, String alphabet) {
    StringBuilder s = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      s.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return s.toString();
  }

  private static final String UPPER_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  private static final String B64URL =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  private Faker faker(String lang) {
    return switch (lang) {
      case "de" -> de;
      case "fr" -> fr;
      case "es" -> es;
      default -> en;
    };
  }

  // ---- check digits, written here independently of the scanner ----

  static int luhnCheckDigit(String payload) {
    int sum = 0;
    for (int i = payload.length() - 1, k = 0; i >= 0; i--, k++) {
      int d = payload.charAt(i) - '0';
      if (k % 2 == 0) {
        d *= 2;
        if (d > 9) {
          d -= 9;
        }
      }
      sum += d;
    }
    return (10 - sum % 10) % 10;
  }

  private static String lettersToDigits(String s) {
    StringBuilder out = new StringBuilder();
    for (char c : s.toCharArray()) {
      out.append(Character.isDigit(c) ? String.valueOf(c) : String.valueOf(c - 'A' + 10));
    }
    return out.toString();
  }

  private static int mod97(String digits) {
    int r = 0;
    for (char c : digits.toCharArray()) {
      r = (r * 10 + (c - '0')) % 97;
    }
    return r;
  }

  private String card(String lang) {
    CreditCardType[] types = {
      CreditCardType.VISA,
      CreditCardType.MASTERCARD,
      CreditCardType.AMERICAN_EXPRESS,
      CreditCardType.DISCOVER,
      CreditCardType.JCB,
      CreditCardType.DINERS_CLUB
    };
    String raw =
        en.finance().creditCard(types[random.nextInt(types.length)]).replaceAll("[^0-9]", "");
    if (random.nextInt(6) == 0) {
      // UnionPay, 16 digits, and Mastercard 2-series: datafaker has neither.
      String payload =
          (random.nextBoolean()
              ? "62" + digits(13)
              : "2" + (221 + random.nextInt(499)) + digits(11));
      raw = payload + luhnCheckDigit(payload);
    }
    char sep = pick("", " ", "-", ".").isEmpty() ? 0 : pick(" ", "-", ".").charAt(0);
    if (sep == 0) {
      return raw;
    }
    if (raw.length() == 15 || raw.length() == 14) {
      return raw.substring(0, 4) + sep + raw.substring(4, 10) + sep + raw.substring(10);
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < raw.length(); i += 4) {
      if (i > 0) {
        out.append(sep);
      }
      out.append(raw, i, Math.min(raw.length(), i + 4));
    }
    return out.toString();
  }

  private String ssn(boolean dashed) {
    int area;
    do {
      area = 1 + random.nextInt(899);
    } while (area == 666);
    String s =
        String.format("%03d-%02d-%04d", area, 1 + random.nextInt(99), 1 + random.nextInt(9999));
    return dashed ? s : s.replace("-", "");
  }

  private String isin() {
    String country = pick("US", "GB", "DE", "FR", "ES", "CH", "NL", "IE", "LU", "JP");
    String body = country + alnum(2, UPPER_DIGITS) + digits(7);
    return body + luhnCheckDigit(lettersToDigits(body));
  }

  private String cusip() {
    String body = digits(3) + alnum(3, UPPER_DIGITS) + digits(2);
    int sum = 0;
    for (int i = 0; i < 8; i++) {
      char c = body.charAt(i);
      int v = Character.isDigit(c) ? c - '0' : c - 'A' + 10;
      if (i % 2 == 1) {
        v *= 2;
      }
      sum += v / 10 + v % 10;
    }
    return body + (10 - sum % 10) % 10;
  }

  private String lei() {
    String body = digits(4) + "00" + alnum(12, UPPER_DIGITS);
    int check = 98 - mod97(lettersToDigits(body) + "00");
    return body + String.format("%02d", check);
  }

  private String sin() {
    String payload = (1 + random.nextInt(7)) + digits(7);
    if (payload.charAt(0) == '8') {
      payload = "7" + payload.substring(1);
    }
    String s = payload + luhnCheckDigit(payload);
    String sep = pick("", " ", "-");
    return s.substring(0, 3) + sep + s.substring(3, 6) + sep + s.substring(6);
  }

  private String nino(boolean spaced) {
    String first = "ABCEGHJKLMNOPRSTWXYZ";
    String second = "ABCEGHJKLMNPRSTWXYZ";
    String prefix;
    do {
      prefix =
          ""
              + first.charAt(random.nextInt(first.length()))
              + second.charAt(random.nextInt(second.length()));
    } while (List.of("BG", "GB", "KN", "NK", "NT", "TN", "ZZ").contains(prefix));
    String d = digits(6);
    char suffix = "ABCD".charAt(random.nextInt(4));
    return spaced
        ? prefix
            + " "
            + d.substring(0, 2)
            + " "
            + d.substring(2, 4)
            + " "
            + d.substring(4)
            + " "
            + suffix
        : prefix + d + suffix;
  }

  private String itin(boolean dashed) {
    int[] groups = {50, 55, 60, 65, 70, 75, 80, 88, 90, 91, 92, 94, 99};
    String s = "9" + digits(2) + "-" + groups[random.nextInt(groups.length)] + "-" + digits(4);
    return dashed ? s : s.replace("-", "");
  }

  private String ein() {
    int[] prefixes = {10, 12, 20, 27, 30, 35, 45, 46, 51, 54, 61, 76, 84, 91, 98};
    return prefixes[random.nextInt(prefixes.length)] + pick("-", "") + digits(7);
  }

  private String phone(String lang) {
    PhoneNumberUtil util = PhoneNumberUtil.getInstance();
    String region =
        switch (lang) {
          case "de" -> "DE";
          case "fr" -> "FR";
          case "es" -> "ES";
          default -> pick("US", "GB", "CA");
        };
    PhoneNumber example =
        util.getExampleNumberForType(
            region, random.nextBoolean() ? PhoneNumberType.MOBILE : PhoneNumberType.FIXED_LINE);
    for (int tries = 0; tries < 50; tries++) {
      String national = String.valueOf(example.getNationalNumber());
      String varied = national.substring(0, national.length() - 4) + digits(4);
      try {
        PhoneNumber n = util.parse("+" + example.getCountryCode() + varied, "ZZ");
        if (util.isValidNumber(n)) {
          return util.format(
              n, random.nextInt(3) == 0 ? PhoneNumberFormat.E164 : PhoneNumberFormat.INTERNATIONAL);
        }
      } catch (Exception e) {
        // try another variation
      }
    }
    return util.format(example, PhoneNumberFormat.INTERNATIONAL);
  }

  private String nationalPhone(String lang) {
    PhoneNumberUtil util = PhoneNumberUtil.getInstance();
    String region =
        switch (lang) {
          case "de" -> "DE";
          case "fr" -> "FR";
          case "es" -> "ES";
          default -> "US";
        };
    PhoneNumber example = util.getExampleNumberForType(region, PhoneNumberType.FIXED_LINE);
    for (int tries = 0; tries < 50; tries++) {
      String national = String.valueOf(example.getNationalNumber());
      String varied = national.substring(0, national.length() - 3) + digits(3);
      try {
        PhoneNumber n = util.parse("+" + example.getCountryCode() + varied, "ZZ");
        if (util.isValidNumber(n)) {
          return util.format(n, PhoneNumberFormat.NATIONAL);
        }
      } catch (Exception e) {
        // try another variation
      }
    }
    return util.format(example, PhoneNumberFormat.NATIONAL);
  }

  private String email(String lang) {
    return switch (random.nextInt(6)) {
      case 0 ->
          faker(lang).internet().username().replace(' ', '.')
              + "+"
              + pick("news", "bank", "tag1", "x")
              + "@"
              + en.internet().domainName();
      case 1 ->
          faker(lang).name().firstName().toLowerCase(Locale.ROOT).replaceAll("[^a-z]", "")
              + "@"
              + pick("mail.", "eu.", "corp.mail.")
              + en.internet().domainName();
      case 2 ->
          pick("josé", "müller", "françois", "zoë", "ñandú")
              + "@"
              + pick("bücher.de", "correo.españa.es", "exämple.org", "xn--bcher-kva.example");
      default -> faker(lang).internet().emailAddress();
    };
  }

  private String ipv6() {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i > 0) {
        s.append(':');
      }
      s.append(Integer.toHexString(random.nextInt(0x10000)));
    }
    String full = s.toString();
    return switch (random.nextInt(4)) {
      case 0 -> "2001:db8::" + Integer.toHexString(1 + random.nextInt(0xffff));
      case 1 ->
          "fe80::"
              + Integer.toHexString(random.nextInt(0x10000))
              + ":"
              + Integer.toHexString(1 + random.nextInt(0xffff));
      default -> full;
    };
  }

  private String dob() {
    int y = 1930 + random.nextInt(80);
    int m = 1 + random.nextInt(12);
    int d = 1 + random.nextInt(28);
    String[] months = {
      "January",
      "February",
      "March",
      "April",
      "May",
      "June",
      "July",
      "August",
      "September",
      "October",
      "November",
      "December"
    };
    return switch (random.nextInt(5)) {
      case 0 -> String.format("%02d/%02d/%d", m, d, y);
      case 1 -> String.format("%02d.%02d.%d", d, m, y);
      case 2 -> String.format("%d-%02d-%02d", y, m, d);
      case 3 -> d + " " + months[m - 1] + " " + y;
      default -> months[m - 1] + " " + d + ", " + y;
    };
  }

  private String jwt() {
    String header =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
    String payload =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(
                ("{\"sub\":\"" + digits(8) + "\",\"iat\":" + digits(10) + "}")
                    .getBytes(StandardCharsets.UTF_8));
    return header + "." + payload + "." + alnum(43, B64URL);
  }

  /** A secret; a bare password only where the template gives it a password word. */
  private String secret(String lang, boolean withContext) {
    return switch (random.nextInt(withContext ? 5 : 4)) {
      case 0 -> pick("AKIA", "ASIA") + alnum(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
      case 1 ->
          pick("sk-proj-", "sk-", "sk-ant-api03-")
              + alnum(40, B64URL.replace("-", "").replace("_", ""))
              + alnum(8, B64URL);
      case 2 -> jwt();
      case 3 ->
          "-----BEGIN "
              + pick("RSA ", "EC ", "", "OPENSSH ")
              + "PRIVATE KEY-----\n"
              + alnum(64, B64URL.replace('-', '+').replace('_', '/'))
              + "\n"
              + alnum(40, B64URL.replace('-', '+').replace('_', '/'))
              + "==\n-----END PRIVATE KEY-----";
      default ->
          alnum(6, "abcdefghijkmnopqrstuvwxyz")
              + alnum(3, "ABCDEFGHJKLMNPQRSTUVWXYZ")
              + digits(3)
              + pick("!", "#", "%", "&");
    };
  }

  private String address(String lang) {
    Faker f = faker(lang);
    return switch (lang) {
      case "de" ->
          f.address().streetName()
              + " "
              + (1 + random.nextInt(150))
              + pick("", "a", "b")
              + pick("", ", " + f.address().zipCode() + " " + f.address().cityName());
      case "fr" ->
          (1 + random.nextInt(200))
              + pick(" ", ", ", " bis ")
              + f.address().streetName()
              + pick("", ", " + f.address().zipCode() + " " + f.address().cityName());
      case "es" ->
          pick("Calle", "Avenida", "Plaza", "Paseo", "Camino", "Ronda", "Carretera")
              + " "
              + pick("", "de ", "del ", "de la ")
              + pick(f.name().lastName(), f.address().cityName().split(" ")[0])
              + ", "
              + (1 + random.nextInt(200))
              + pick(
                  "",
                  ", "
                      + String.format("%05d", 1000 + random.nextInt(50000))
                      + " "
                      + f.address().cityName().split(" ")[0]);
      default ->
          random.nextInt(4) == 0
              ? (1 + random.nextInt(300))
                  + " "
                  + gb.address().streetName()
                  + ", "
                  + gb.address().cityName().split(" ")[0]
                  + " "
                  + gb.address().postcode()
              : (1 + random.nextInt(9999))
                  + " "
                  + f.address().streetName()
                  + pick(
                      "",
                      ", Apt " + (1 + random.nextInt(40)),
                      ", Suite " + (100 + random.nextInt(800)))
                  + pick(
                      "",
                      ", "
                          + f.address().cityName()
                          + ", "
                          + f.address().stateAbbr()
                          + " "
                          + f.address().zipCode());
    };
  }

  private String name(String lang) {
    Faker f = faker(lang);
    return f.name().firstName() + " " + f.name().lastName();
  }

  private void all() {
    for (Kind kind :
        List.of(
            kind(
                "CARD",
                this::card,
                "Please charge my card {} for the renewal.|card: {}|{}|Visa {} exp soon",
                "Meine Kreditkarte ist {}.|Karte {} bitte belasten|Zahlung mit {} erfolgt",
                "Ma carte bancaire {} a été débitée.|Payez avec {}|numéro de carte : {}",
                "Mi tarjeta es {}.|Pago con tarjeta {} rechazado|{} es la tarjeta nueva"),
            kind(
                "SSN",
                lang -> ssn(true),
                "My SSN is {}.|SSN {} on file|{} is the social security number|ssn={}",
                "Sozialversicherungsnummer (US) {}|Seine SSN lautet {}.",
                "Son numéro SSN est {}.|SSN : {}",
                "Su número de seguro social es {}.|SSN {}"),
            kind(
                "SSN",
                lang -> ssn(false),
                "My SSN is {}.|social security number {}|SSN: {}",
                "SSN {} (ohne Bindestriche)",
                "numéro de sécurité sociale US : {}",
                "número de seguro social {}"),
            kind(
                "ITIN",
                lang -> itin(random.nextInt(3) > 0),
                "ITIN {}|Taxpayer ITIN: {}|my ITIN is {}",
                "ITIN: {}",
                "ITIN {}",
                "ITIN {}"),
            kind(
                "EIN",
                lang -> ein(),
                "EIN {}|Employer Identification Number (EIN): {}|our FEIN is {}",
                "EIN der Firma: {}",
                "EIN : {}",
                "EIN de la empresa {}"),
            kind(
                "IBAN",
                lang -> {
                  String country =
                      pick(
                          "DE", "GB", "FR", "ES", "NL", "BE", "CH", "AT", "IT", "PL", "SE", "NO",
                          "DK", "FI", "IE", "PT", "LU", "GR", "CZ", "MT", "SA", "AE", "TR", "BR");
                  String iban = en.finance().iban(country);
                  return random.nextBoolean() ? iban : iban.replaceAll("(.{4})(?!$)", "$1 ");
                },
                "IBAN: {}|Please wire to {} today.|{}",
                "Bitte überweisen Sie auf {}.|IBAN {}",
                "virement sur le compte {}|IBAN : {}",
                "transferir a {} por favor|IBAN {}"),
            kind(
                "BIC",
                lang -> {
                  String bic = en.finance().bic();
                  return random.nextBoolean()
                      ? bic
                      : bic.substring(0, 8) + (random.nextBoolean() ? "XXX" : "");
                },
                "BIC: {}|SWIFT code {}|SWIFT/BIC {}",
                "BIC {}|Swift-Code {}",
                "code BIC : {}|BIC {}",
                "código SWIFT {}|BIC {}"),
            kind(
                "ABA",
                lang -> en.finance().usRoutingNumber(),
                "routing number {}|ABA {}|ABA routing: {}|RTN {}",
                "Routing-Nummer (ABA) {}",
                "numéro de routage ABA {}",
                "número de ruta ABA {}"),
            kind(
                "ACCOUNT",
                lang -> digits(8 + random.nextInt(5)),
                "account number {}|acct {}|checking account {}",
                "Kontonummer {}|Konto {}",
                "numéro de compte {}|compte {}",
                "número de cuenta {}|cuenta {}"))) {
      positive(kind);
    }
    for (int i = 0; i < PER_KIND / 2; i++) {
      String sort = digits(2) + "-" + digits(2) + "-" + digits(2);
      add(
          "en",
          "positive",
          new Item()
              .t(pick("sort code ", "Sort code: ", "sort-code "))
              .e("ACCOUNT", sort)
              .t(pick(", account ", " account no. ", " acc "))
              .e("ACCOUNT", digits(8)));
    }
    for (Kind kind :
        List.of(
            kind(
                "ISIN",
                lang -> isin(),
                "ISIN {}|the bond {} matures in 2031|{} traded at 101.5",
                "Wertpapier ISIN {}",
                "ISIN : {}",
                "bono ISIN {}"),
            kind(
                "CUSIP",
                lang -> cusip(),
                "CUSIP {}|CUSIP: {}|the note (CUSIP {})",
                "CUSIP {}",
                "CUSIP : {}",
                "CUSIP {}"),
            kind(
                "LEI",
                lang -> lei(),
                "LEI {}|Legal Entity Identifier: {}|{}",
                "LEI der Gegenpartei {}",
                "LEI : {}",
                "LEI {}"),
            kind(
                "EMAIL",
                this::email,
                "mail me at {}|{}|Contact: <{}>|cc {}, thanks",
                "Schreiben Sie an {}.",
                "Écrivez-moi à {}",
                "Mi correo es {}"),
            kind(
                "PHONE",
                this::phone,
                "call me at {}|{}|mobile: {}",
                "Rufen Sie {} an.",
                "Appelez le {}",
                "Llámame al {}"),
            kind(
                "PHONE",
                this::nationalPhone,
                "phone {}|call {} tomorrow|tel: {}",
                "Telefon {}|Tel. {}",
                "téléphone : {}|tél. {}",
                "teléfono {}|móvil {}"),
            kind(
                "IPV4",
                lang -> en.internet().ipV4Address(),
                "server {} is down|from IP {}|{}",
                "Server {} antwortet nicht",
                "adresse IP {}",
                "la IP {} falla"),
            kind(
                "IPV6",
                lang -> ipv6(),
                "host {} unreachable|IPv6 {}",
                "Adresse {}",
                "adresse {}",
                "dirección {}"),
            kind(
                "DOB",
                lang -> dob(),
                "born on {}|DOB: {}|date of birth {}",
                "Geburtsdatum: {}|geboren am {}",
                "né le {}|date de naissance : {}",
                "fecha de nacimiento: {}|nacido el {}"),
            kind(
                "PASSPORT",
                lang ->
                    switch (lang) {
                      case "de" ->
                          "C"
                              + alnum(8, "CFGHJKLMNPRTVWXYZ0123456789").replaceFirst("^(.)", "$1")
                              + "";
                      case "fr" -> digits(2) + alnum(2, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") + digits(5);
                      case "es" -> alnum(3, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") + digits(6);
                      default -> random.nextBoolean() ? digits(9) : "A" + digits(8);
                    },
                "passport number {}|Passport: {}",
                "Reisepass Nr. {}",
                "passeport n° {}",
                "pasaporte {}"),
            kind(
                "DRIVERLIC",
                lang ->
                    switch (random.nextInt(3)) {
                      case 0 -> alnum(1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") + digits(7);
                      case 1 ->
                          alnum(1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
                              + digits(3)
                              + "-"
                              + digits(3)
                              + "-"
                              + digits(2)
                              + "-"
                              + digits(3);
                      default ->
                          "B" + digits(3) + alnum(3, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") + digits(4);
                    },
                "driver's license {}|Driver License: {}|DL {}",
                "Führerschein-Nr. {}",
                "permis de conduire {}",
                "licencia de conducir {}"),
            kind(
                "NINO",
                lang -> nino(random.nextInt(3) == 0),
                "NI number {}|National Insurance number: {}|{}",
                "NINO {}",
                "NINO : {}",
                "NINO {}"),
            kind(
                "SIN",
                lang -> sin(),
                "SIN {}|social insurance number {}",
                "kanadische SIN {}",
                "numéro d'assurance sociale (NAS) {}",
                "SIN canadiense {}"),
            kind(
                "SECRET",
                lang -> secret(lang, true),
                "here is the key {}|password: {}|the secret is {}",
                "Passwort: {}|Schlüssel {}",
                "mot de passe : {}",
                "contraseña: {}"),
            kind(
                "SECRET",
                lang -> secret(lang, false),
                "{}|see {} in the logs",
                "Token {}",
                "voici {}",
                "usa {}"))) {
      positive(kind);
    }
    for (int i = 0; i < PER_KIND / 2; i++) {
      String lang = pick("en", "de");
      Item item = new Item().t(lang.equals("en") ? "card " : "Karte ").e("CARD", card(lang));
      item.t(
          lang.equals("en")
              ? pick(", exp ", " expires ", " valid thru ")
              : pick(", gültig bis ", " Ablauf "));
      item.e("CARDEXP", String.format("%02d/%02d", 1 + random.nextInt(12), 25 + random.nextInt(8)));
      item.t(lang.equals("en") ? ", CVV " : ", CVC ").e("CVV", digits(3));
      add(lang, "positive", item);
    }
    namesAndAddresses();
    decoys();
  }

  private void namesAndAddresses() {
    String[][] nameTemplates = {
      {
        "My name is {}.",
        "Dear {},",
        "Please ask {} to call me back.",
        "{} opened the account yesterday.",
        "Regards,\n{}",
        "Hi {}, thanks for the quick reply.",
        "Signed: {}",
        "The customer {} disputes the charge.",
        "I spoke with {} from compliance."
      },
      {
        "Ich heiße {}.",
        "Hallo {},",
        "Sehr geehrte Frau {},",
        "Mit freundlichen Grüßen,\n{}",
        "Kontakt: {}",
        "Der Kunde {} hat angerufen."
      },
      {
        "Je m'appelle {}.",
        "Bonjour {},",
        "Cordialement,\n{}",
        "Madame {} a appelé.",
        "Le client {} conteste le débit."
      },
      {
        "Me llamo {}.",
        "Hola {},",
        "Atentamente,\n{}",
        "La clienta {} llamó ayer.",
        "Estimado Sr. {}:"
      }
    };
    String[] langs = {"en", "de", "fr", "es"};
    for (int i = 0; i < PER_KIND * 3; i++) {
      int l = i % 4;
      String template = nameTemplates[l][random.nextInt(nameTemplates[l].length)];
      int at = template.indexOf("{}");
      boolean titled =
          template.contains("Frau {}")
              || template.contains("Sr. {}")
              || template.contains("Madame {}");
      String value = titled ? faker(langs[l]).name().lastName() : name(langs[l]);
      add(
          langs[l],
          "positive",
          new Item().t(template.substring(0, at)).e("NAME", value).t(template.substring(at + 2)));
    }
    String[][] addressTemplates = {
      {"Ship it to {}.", "Address: {}", "I moved to {} last month.", "{}"},
      {"Meine Adresse: {}", "Lieferung an {}."},
      {"Mon adresse : {}", "Livrez au {}."},
      {"Mi dirección es {}.", "Enviar a {}."}
    };
    for (int i = 0; i < PER_KIND * 3; i++) {
      int l = i % 4;
      String template = addressTemplates[l][random.nextInt(addressTemplates[l].length)];
      int at = template.indexOf("{}");
      add(
          langs[l],
          "positive",
          new Item()
              .t(template.substring(0, at))
              .e("ADDRESS", address(langs[l]))
              .t(template.substring(at + 2)));
    }
  }

  private String hex(int n) {
    return alnum(n, "0123456789abcdef");
  }

  private void decoys() {
    decoys(
        "en",
        new String[] {"Order {} shipped today.", "ref {}", "Tracking number {}"},
        r -> {
          String payload = "4" + digits(14);
          int check = luhnCheckDigit(payload);
          return payload + ((check + 1 + r.nextInt(9)) % 10);
        });
    decoys(
        "en",
        new String[] {
          "Invoice INV-{} is overdue.",
          "Order #{} confirmed",
          "Bestellnummer {}",
          "Commande n° {}",
          "Pedido {} enviado",
          "ticket {} closed"
        },
        r -> digits(6 + r.nextInt(7)));
    decoys("en", new String[] {"request id {}", "trace {} failed", "{}"}, r -> UUIDs.of(r));
    decoys(
        "en",
        new String[] {"fixed in commit {}", "git show {}", "merged {}"},
        r -> hex(r.nextBoolean() ? 40 : 7));
    decoys(
        "en",
        new String[] {"created at {}", "Zeitstempel {}", "horodatage {}", "{}"},
        r ->
            String.format(
                "20%02d-%02d-%02dT%02d:%02d:%02d%s",
                10 + r.nextInt(20),
                1 + r.nextInt(12),
                1 + r.nextInt(28),
                r.nextInt(24),
                r.nextInt(60),
                r.nextInt(60),
                pick("Z", ".123Z", "+02:00", "")));
    decoys(
        "en",
        new String[] {"total ${}", "Betrag {} EUR", "montant {} €", "importe {} €", "{} USD"},
        r ->
            pick(
                String.format("%,d.%02d", r.nextInt(10_000_000), r.nextInt(100)),
                String.format(Locale.GERMANY, "%,d,%02d", r.nextInt(10_000_000), r.nextInt(100)),
                digits(3 + r.nextInt(6)) + "." + digits(2)));
    decoys(
        "en",
        new String[] {"ZIP {}", "PLZ {} Berlin", "code postal {}", "CP {}", "Austin, TX {}"},
        r -> r.nextBoolean() ? digits(5) : digits(5) + "-" + digits(4));
    decoys(
        "en",
        new String[] {
          "upgrade to version {}", "v{}", "release {} is out", "firmware {}", "build {}"
        },
        r ->
            (r.nextInt(20))
                + "."
                + r.nextInt(20)
                + "."
                + r.nextInt(300)
                + (r.nextBoolean() ? "." + r.nextInt(9999) : ""));
    decoys(
        "en",
        new String[] {"IBAN {} (typo)", "{}", "Konto {} falsch"},
        r -> {
          String iban = en.finance().iban(pick("DE", "GB", "FR", "ES", "NL"));
          int check = Integer.parseInt(iban.substring(2, 4));
          String wrong = String.format("%02d", (check + 1 + r.nextInt(90)) % 97 + 2);
          if (wrong.equals(iban.substring(2, 4))) {
            wrong = String.format("%02d", (check + 3) % 97);
          }
          String bad = iban.substring(0, 2) + wrong + iban.substring(4);
          return r.nextBoolean() ? bad : bad.replaceAll("(.{4})(?!$)", "$1 ");
        });
    decoys(
        "en",
        new String[] {"meeting on {}", "Termin am {}", "réunion le {}", "reunión el {}", "due {}"},
        r ->
            String.format(
                "%02d/%02d/20%02d", 1 + r.nextInt(12), 1 + r.nextInt(28), 20 + r.nextInt(10)));
    decoys(
        "en",
        new String[] {"Order {} shipped", "Tracking {}", "SKU {}", "qty 3 of item {}"},
        r -> digits(9));
    decoys(
        "en",
        new String[] {"at {} today", "from {} to 17:00", "Uhrzeit {}"},
        r -> String.format("%02d:%02d:%02d", r.nextInt(24), r.nextInt(60), r.nextInt(60)));
    decoys("en", new String[] {"MAC {}", "device {} online"}, r -> en.internet().macAddress());
    decoys(
        "en",
        new String[] {
          "{} is a nice word", "PASSWORD RESET REQUIRED", "Status: {}", "THE {} REPORT"
        },
        r ->
            pick(
                "BUSINESS",
                "PASSWORD",
                "BANKRUPT",
                "ABSOLUTE",
                "CUSTOMER",
                "CONTRACT",
                "TRANSFER"));
    decoys(
        "en",
        new String[] {"password: {}", "Passwort vergessen? {}", "the secret is {}"},
        r -> pick("hunter2", "changeme", "password", "sunshine", "see below", "reset it"));
    nameDecoys();
  }

  private void nameDecoys() {
    String[] sentences = {
      "Apple Pay is down again.",
      "Please Review The Attached Contract.",
      "Thanks Again For Everything.",
      "Amazon Web Services bills us monthly.",
      "New York Times reported it.",
      "Monday Morning Meeting moved.",
      "Grace period ends Friday.",
      "Mark the invoice as paid.",
      "May I ask a question?",
      "Will you confirm?",
      "Google Cloud Platform outage.",
      "Bank Holiday Monday is off.",
      "Customer Support Team.",
      "Visa Direct payout failed.",
      "Deutsche Bank AG confirmed.",
      "Bitte Rufen Sie Zurück.",
      "Merci Beaucoup Pour Tout.",
      "Gracias Por Todo.",
      "Microsoft Teams crashed.",
      "Summer Sale starts now.",
      "Hope you are well.",
      "Best Practices Guide attached.",
      "Black Friday Deals.",
      "Green Energy Fund.",
      "Silver Account Tier.",
      "Prime Video subscription.",
      "Windows Update failed.",
      "Tesla Model Y delivery.",
      "Union Pay Card Services.",
      "Power BI Dashboard.",
      "Quick Start Guide.",
      "Sure, I Will Check.",
      "Sehr Gute Arbeit.",
      "Très Bien Merci.",
      "Muy Bien Gracias.",
      "Happy New Year!",
      "Annual Report 2024.",
      "Risk Management Committee.",
      "Know Your Customer checks.",
      "Anti Money Laundering policy."
    };
    for (int i = 0; i < PER_KIND * 2; i++) {
      add("en", "decoy", new Item().t(sentences[i % sentences.length]));
    }
    String[] addressDecoys = {
      "Take the road less travelled.",
      "Wall Street closed higher.",
      "We are on the way.",
      "Die Straße ist gesperrt.",
      "La rue est fermée.",
      "La calle está cerrada.",
      "Route 66 trip.",
      "Main Street banks.",
      "Abbey Road album.",
      "Park Avenue penthouse prices.",
      "Plaza Mayor is busy.",
      "Place de la Concorde was crowded.",
      "Highway 101 traffic.",
      "Lane 3 is closed."
    };
    for (int i = 0; i < PER_KIND; i++) {
      add("en", "decoy", new Item().t(addressDecoys[i % addressDecoys.length]));
    }
  }

  /** Random UUIDs from the seeded source. */
  private static final class UUIDs {
    static String of(Random r) {
      return new java.util.UUID(r.nextLong(), r.nextLong()).toString();
    }
  }
}
