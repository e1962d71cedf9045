//! The function table templates call into: Sprig's (without `env` and
//! `expandenv`) and Helm's, each with its Go signature. The executor checks and
//! converts arguments against the signature the way Go's `reflect` call does
//! ("wrong type for value; expected string; got float64"), so a function only
//! sees arguments of its declared types.

use std::fmt;
use std::sync::LazyLock;

use rustc_hash::FxHashMap;

use crate::value::Value;

/// A Go parameter type, as far as templates can tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// `interface{}`: anything, nil included.
    Any,
    String,
    Int,
    Int64,
    Float64,
    Bool,
    /// `[]interface{}`.
    List,
    /// `map[string]interface{}` (Helm's `Values` too).
    Map,
    /// `[]byte`.
    Bytes,
    /// A Go struct type, by its [`crate::value::Object::type_name`].
    Object(&'static str),
}

impl fmt::Display for Type {
    /// Go's spelling, as error messages print it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Type::Any => "interface {}",
            Type::String => "string",
            Type::Int => "int",
            Type::Int64 => "int64",
            Type::Float64 => "float64",
            Type::Bool => "bool",
            Type::List => "[]interface {}",
            Type::Map => "map[string]interface {}",
            Type::Bytes => "[]uint8",
            Type::Object(name) => name,
        })
    }
}

/// A function's or method's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    /// The fixed parameters.
    pub params: &'static [Type],
    /// The element type of a final `...` parameter.
    pub variadic: Option<Type>,
}

impl Signature {
    /// Fixed parameters only.
    pub const fn fixed(params: &'static [Type]) -> Signature {
        Signature {
            params,
            variadic: None,
        }
    }

    /// Fixed parameters, then any number of `rest`.
    pub const fn variadic(params: &'static [Type], rest: Type) -> Signature {
        Signature {
            params,
            variadic: Some(rest),
        }
    }
}

/// What a function does with its (already type-checked) arguments: a value,
/// or the error Go's function would return or panic with (the executor
/// reports it as `error calling NAME: ERROR`).
pub type Call = fn(&[Value]) -> Result<Value, String>;

/// A template function.
#[derive(Debug, Clone, Copy)]
pub struct Function {
    pub name: &'static str,
    pub sig: Signature,
    pub call: Call,
}

/// Names are unique in the table, so a function is its name (comparing the
/// `call` pointers would not be reliable).
impl PartialEq for Function {
    fn eq(&self, other: &Function) -> bool {
        self.name == other.name
    }
}

/// Functions the executor runs itself because they need the template set or
/// the render (`include`, `tpl`, `lookup`); their `call` is never used.
pub const EXECUTOR_FUNCTIONS: [&str; 3] = ["include", "tpl", "lookup"];

static TABLE: LazyLock<FxHashMap<&'static str, Function>> = LazyLock::new(|| {
    let mut table = FxHashMap::default();
    // Later entries win, as in Helm's funcMap: Helm's functions override
    // Sprig's of the same name (`toJson`).
    for function in crate::sprig::functions()
        .into_iter()
        .chain(crate::helm_funcs::functions())
    {
        table.insert(function.name, function);
    }
    table
});

/// The function named `name`.
pub fn lookup(name: &str) -> Option<&'static Function> {
    TABLE.get(name)
}
