//! Money: an integer amount in the currency's minor unit, never a float.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An ISO 4217 currency code such as `KRW` or `EUR`. Only codes whose minor
/// unit we know are accepted, so an amount can always be shown correctly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", schema(value_type = String, example = "KRW"))]
pub struct Currency([u8; 3]);

/// Currencies and the number of decimal digits of their minor unit.
const CURRENCIES: &[(&str, u32)] = &[
    ("AUD", 2),
    ("CAD", 2),
    ("CHF", 2),
    ("CNY", 2),
    ("CZK", 2),
    ("DKK", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("HKD", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("INR", 2),
    ("JPY", 0),
    ("KRW", 0),
    ("MXN", 2),
    ("MYR", 2),
    ("NOK", 2),
    ("NZD", 2),
    ("PHP", 2),
    ("PLN", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("THB", 2),
    ("TWD", 2),
    ("USD", 2),
    ("VND", 0),
    ("ZAR", 2),
];

impl Currency {
    pub fn code(&self) -> &str {
        // Only ever built from an ASCII entry of CURRENCIES.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Digits after the decimal point: 0 for KRW, 2 for EUR.
    pub fn minor_digits(&self) -> u32 {
        CURRENCIES
            .iter()
            .find(|(c, _)| *c == self.code())
            .map_or(2, |(_, d)| *d)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCurrency(pub String);

impl fmt::Display for UnknownCurrency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a supported ISO 4217 currency code", self.0)
    }
}

impl std::error::Error for UnknownCurrency {}

impl FromStr for Currency {
    type Err = UnknownCurrency;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CURRENCIES
            .iter()
            .find(|(c, _)| *c == s)
            .and_then(|(c, _)| c.as_bytes().try_into().ok())
            .map(Currency)
            .ok_or_else(|| UnknownCurrency(s.to_owned()))
    }
}

impl TryFrom<String> for Currency {
    type Error = UnknownCurrency;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.code().to_owned()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An amount of money: minor units (cents, won) plus the currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Money {
    /// In the currency's minor unit: 1250 EUR = €12.50; 9000 KRW = ₩9,000.
    pub amount_minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(amount_minor: i64, currency: Currency) -> Self {
        Self {
            amount_minor,
            currency,
        }
    }
}

impl fmt::Display for Money {
    /// `12.50 EUR`, `9000 KRW`: unambiguous, for logs and tickets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.currency.minor_digits();
        if digits == 0 {
            return write!(f, "{} {}", self.amount_minor, self.currency);
        }
        let scale = 10_i64.pow(digits);
        let sign = if self.amount_minor < 0 { "-" } else { "" };
        let abs = self.amount_minor.unsigned_abs();
        let scale = scale.unsigned_abs();
        write!(
            f,
            "{sign}{}.{:0width$} {}",
            abs / scale,
            abs % scale,
            self.currency,
            width = digits as usize
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_displays_in_the_currency_minor_unit() {
        let eur: Currency = "EUR".parse().expect("EUR");
        let krw: Currency = "KRW".parse().expect("KRW");
        assert_eq!(Money::new(1250, eur).to_string(), "12.50 EUR");
        assert_eq!(Money::new(-5, eur).to_string(), "-0.05 EUR");
        assert_eq!(Money::new(9000, krw).to_string(), "9000 KRW");
    }

    #[test]
    fn unknown_currency_is_rejected_by_serde() {
        assert!(serde_json::from_str::<Currency>("\"EUR\"").is_ok());
        assert!(serde_json::from_str::<Currency>("\"eur\"").is_err());
        assert!(serde_json::from_str::<Currency>("\"XYZ\"").is_err());
    }
}
