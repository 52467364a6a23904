// A value or the diagnostic that explains why there is none.
#pragma once

#include <utility>
#include <variant>

#include "lang/diagnostic.hpp"

namespace mage::lang {

template <class T>
class Expected {
 public:
  Expected(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Expected(Diagnostic error) : v_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const T& value() const { return std::get<0>(v_); }
  const T& operator*() const { return value(); }
  const T* operator->() const { return &value(); }
  // The value moved out, for move-only values (a client, a run directory); call only when ok().
  T take() && { return std::move(std::get<0>(v_)); }
  const Diagnostic& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Diagnostic> v_;
};

}  // namespace mage::lang
