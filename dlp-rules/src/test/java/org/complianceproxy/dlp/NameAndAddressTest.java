package org.complianceproxy.dlp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class NameAndAddressTest {

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "My name is Xochitl Quispe.                   | NAME:Xochitl Quispe",
        "Dear Anna,                                   | NAME:Anna",
        "Sehr geehrter Herr Müller,                   | NAME:Müller",
        "Je m'appelle Jean-Pierre Dupont.             | NAME:Jean-Pierre Dupont",
        "Ludwig van Beethoven paid late.              | NAME:Ludwig van Beethoven",
        "Ship to 1600 Pennsylvania Avenue, Washington, DC 20500 | ADDRESS:1600 Pennsylvania Avenue, Washington, DC 20500",
        "Adresse: Hauptstraße 5, 10115 Berlin         | ADDRESS:Hauptstraße 5, 10115 Berlin",
        "au 12 rue de la Paix, 75002 Paris            | ADDRESS:12 rue de la Paix, 75002 Paris",
        "en Calle de Alcalá, 48, 28014 Madrid         | ADDRESS:Calle de Alcalá, 48, 28014 Madrid",
      })
  void nameOrAddressIsFound(String text, String found) {
    assertThat(Found.in(text)).containsExactly(found);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(
      strings = {
        "Apple Pay is down again.",
        "Please Review The Attached Contract.",
        "Mark the invoice as paid.",
        "May I ask a question?",
        "Wall Street closed higher.",
        "Hi Team, the Monday Meeting moved.",
        "THE CONTRACT REPORT",
      })
  void capitalisedWordsThatAreNoNameAreNotFound(String text) {
    assertThat(Found.in(text)).isEmpty();
  }
}
