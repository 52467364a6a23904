// A tuning run's folder, laid out so that an interrupted or crashed run loses no finished evaluation and
// can be resumed:
//
//   run.json            the run's settings (application, machine, optimizer, seed, budget, ...), written once
//   candidates/NNNNN.mpl every candidate mapper program, by evaluation index
//   evaluations.jsonl   one JSON object per finished evaluation, each appended with a single write() of a
//                       whole line and flushed to disk, so a crash can only tear the last line
//   best.mpl            the best mapper so far      } replaced atomically (a reader sees the old file or
//   summary.json        the state of the search     } the new one, never a torn one)
//   run.lock            held (flock) by the one process that writes the run
//
// A RunDir holds the run's lock from create() or open() until its last copy is gone, so another process
// that creates or opens the same directory meanwhile is refused (`rundir.locked`); within one process the
// lock is shared. Not thread-safe: one thread records the results.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lang/expected.hpp"
#include "util/lock.hpp"

namespace mage::search {

// Why an evaluation record cannot be used: a known field with the wrong type (`score` null, `point` not a
// list of integers, ...); nothing when it is fine. Unknown fields are allowed.
std::optional<std::string> check_record(const nlohmann::json& record);

class RunDir {
 public:
  // A new run directory at `path` (created with its parents, or an existing empty directory), with run.json
  // holding `settings`. An error (category Usage, code "rundir.*") names the file and what to do, e.g. when
  // `path` already holds a run.
  static lang::Expected<RunDir> create(const std::string& path, const nlohmann::json& settings);

  // An existing run directory, to resume: run.json and every complete evaluation. A torn last line of
  // evaluations.jsonl (a crash mid-write) is dropped and cut from the file; a corrupt line before it, or a
  // record whose fields have the wrong types (check_record), is an error naming the file and the line.
  // Temporary files a killed writer left are removed.
  static lang::Expected<RunDir> open(const std::string& path);

  const nlohmann::json& settings() const { return settings_; }
  const std::vector<nlohmann::json>& evaluations() const { return evaluations_; }
  // How many torn bytes open() cut from the end of evaluations.jsonl (0 when it ended cleanly).
  std::size_t dropped_bytes() const { return dropped_bytes_; }
  std::string path() const { return path_; }

  // `record` as one line of evaluations.jsonl, flushed to disk, and then in evaluations(). False (with an
  // `error` naming the file) when it could not be written; the file is then left as it was.
  bool append_evaluation(const nlohmann::json& record, std::string& error);
  // candidates/00042.mpl for index 42 (more digits past 99999), replaced atomically.
  bool write_candidate(std::size_t index, const std::string& program, std::string& error);
  bool write_best(const std::string& program, std::string& error);
  bool write_summary(const nlohmann::json& summary, std::string& error);

  // Makes best.mpl hold `program` (rewritten when missing or different), or, with none, removes it: after a
  // resume, best.mpl is exactly the best recorded evaluation's program. `changed` says whether it did so.
  bool sync_best(const std::optional<std::string>& program, bool& changed, std::string& error);

  std::string candidate_path(std::size_t index) const;
  std::string evaluations_path() const;
  std::string best_path() const { return file("best.mpl"); }
  // The line of evaluations.jsonl that evaluations()[k] was read from (1-based; 0 for one appended since).
  std::size_t line_of(std::size_t k) const { return k < lines_.size() ? lines_[k] : 0; }

 private:
  explicit RunDir(std::string path) : path_(std::move(path)) {}
  std::string file(const char* name) const;

  std::optional<lang::Diagnostic> lock();

  std::string path_;
  std::shared_ptr<util::FileLock> lock_;
  nlohmann::json settings_;
  std::vector<std::size_t> lines_;
  std::vector<nlohmann::json> evaluations_;
  std::size_t dropped_bytes_ = 0;
};

}  // namespace mage::search
