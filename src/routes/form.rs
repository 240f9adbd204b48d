//! Forms and queries read by serde: the codes pages send (`action=move`, `sort=from-asc`) as
//! enums whose codes are written once, in [`codes!`], and the small rules Posta's pages rely
//! on: a ticked box is `1`, and some codes are ignored rather than refused when unknown.
//! Posted forms, whose fields may repeat (`uid=3&uid=5`), are read by [`Posted`].

use std::str::FromStr;

use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::Form;
use axum_extra::extract::FormRejection;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::AppError;

/// An enum of the codes a form or a link sends. Each variant's code (and any other spelling
/// accepted for it, after `|`) is written once, here; from it come `as_str`, `Display`,
/// `ALL` (in the order written), `FromStr` and serde's reading and writing. Reading an
/// unknown code fails, unless a variant is marked `#[serde(other)]`.
macro_rules! codes {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$variant_meta:meta])*
                $variant:ident = $code:literal $(| $alias:literal)*,
            )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
        $vis enum $name {
            $(
                $(#[$variant_meta])*
                #[serde(rename = $code $(, alias = $alias)*)]
                $variant,
            )+
        }

        impl $name {
            /// Every code, in the order written.
            #[allow(dead_code)]
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code as pages send it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::routes::form::UnknownCode;

            fn from_str(code: &str) -> Result<Self, Self::Err> {
                match code {
                    $($code $(| $alias)* => Ok($name::$variant),)+
                    _ => Err($crate::routes::form::UnknownCode),
                }
            }
        }
    };
}
pub(crate) use codes;

/// A posted form (`application/x-www-form-urlencoded`, fields may repeat) read by serde
/// through `axum_extra`'s `Form`. A form that does not fit its type (an unknown action, a
/// number that is not one) could not have come from Posta's pages: a bad request (400).
/// A body over the limit or of another type keeps its own refusal (413, 415).
pub struct Posted<T>(pub T);

impl<T, S> FromRequest<S> for Posted<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Form::<T>::from_request(request, state).await {
            Ok(Form(form)) => Ok(Posted(form)),
            Err(FormRejection::FailedToDeserializeFormBody(e)) => {
                Err(AppError::BadRequest(e.body_text()).into_response())
            }
            Err(other) => Err(other.into_response()),
        }
    }
}

/// A code no variant has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown code")]
pub struct UnknownCode;

/// A box ticked or a switch on: the field is `1`. Anything else, or no field, is off.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ticked(pub bool);

impl<'de> Deserialize<'de> for Ticked {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Option::<String>::deserialize(deserializer)?;
        Ok(Ticked(value.as_deref() == Some("1")))
    }
}

/// Written back as `1`, or left out when off.
impl Serialize for Ticked {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0 {
            serializer.serialize_str("1")
        } else {
            serializer.serialize_none()
        }
    }
}

/// For `#[serde(deserialize_with)]`: the value if it parses, `None` if it does not or is
/// absent, for a choice that is ignored rather than refused when it makes no sense.
pub fn known<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
{
    let value = Option::<String>::deserialize(deserializer)?;
    Ok(value.and_then(|v| v.parse().ok()))
}

/// A typed form's fields as name/value pairs, in order: what a confirmation page sends
/// again (fields marked `skip_serializing`, like the CSRF token, are left out).
pub fn pairs(form: &impl Serialize) -> Vec<(String, String)> {
    let encoded = serde_html_form::to_string(form).unwrap_or_else(|e| {
        tracing::error!(error = %e, "writing a form back");
        String::new()
    });
    url::form_urlencoded::parse(encoded.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use super::*;

    codes! {
        enum Colour {
            Red = "red" | "r",
            #[serde(other)]
            Other = "other",
        }
    }

    #[derive(Deserialize, Serialize)]
    struct Posted {
        #[serde(default, skip_serializing)]
        csrf: String,
        colour: Colour,
        #[serde(default)]
        uid: Vec<String>,
        #[serde(default)]
        all: Ticked,
        #[serde(default)]
        confirm: Ticked,
    }

    #[test]
    fn a_code_reads_and_writes_as_written_once() {
        assert_eq!("red".parse(), Ok(Colour::Red));
        assert_eq!("r".parse(), Ok(Colour::Red));
        assert_eq!("Red".parse::<Colour>(), Err(UnknownCode));
        assert_eq!(Colour::Red.to_string(), "red");
        assert_eq!(Colour::ALL, [Colour::Red, Colour::Other]);
    }

    #[test]
    fn repeated_fields_are_all_kept_and_written_back_without_the_token() {
        let form: Posted =
            serde_html_form::from_str("csrf=t&colour=r&uid=3&uid=5&all=1&confirm=0").unwrap();
        assert_eq!(form.csrf, "t");
        assert_eq!(form.uid, ["3", "5"]);
        assert_eq!((form.all, form.confirm), (Ticked(true), Ticked(false)));
        let pairs = pairs(&form);
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [("colour", "red"), ("uid", "3"), ("uid", "5"), ("all", "1")]
        );
    }

    #[test]
    fn an_unknown_code_falls_to_other_where_there_is_one() {
        let form: Posted = serde_html_form::from_str("colour=blue").unwrap();
        assert_eq!(form.colour, Colour::Other);
    }
}
