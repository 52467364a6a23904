#include "sim/engine.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <type_traits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <simgrid/s4u.hpp>
#include <xbt/log.h>

#include "util/test_hooks.hpp"

namespace mage::sim {

namespace sg4 = simgrid::s4u;

namespace {

// Shared state of one run. SimGrid actors run one at a time, so plain fields suffice; condition
// variables only tell waiting actors that what they wait for has changed.
class Run {
 public:
  Run(const EnginePlatform& p, const TaskGraph& g) : platform_(p), graph_(g) {
    std::size_t n = g.tasks.size();
    launched_.assign(n, false);
    copies_done_.assign(n, false);
    finished_.assign(n, false);
    task_watchers_.resize(n);
    result_.tasks.resize(n);
    result_.processor_busy.assign(p.processors.size(), 0.0);
    result_.link_bytes.assign(p.links.size(), 0);
    result_.memory_peak.assign(p.memories.size(), 0);
    in_use_.assign(p.memories.size(), 0);
    mapped_.assign(p.processors.size() * std::max<std::size_t>(g.limits.size(), 1), 0);
    first_timed_ = first_timed_task(g);
    warmup_left_ = first_timed_;
    for (std::size_t t = 0; t < n; ++t) {
      per_processor_[g.tasks[t].processor].push_back(static_cast<int>(t));
      // A task without copies never waits for the copy engine (fewer hand-offs between actors).
      if (g.tasks[t].copies.empty()) copies_done_[t] = true;
    }
  }

  EngineResult execute() {
    build_platform();
    mutex_ = sg4::Mutex::create();
    start_actors();
    engine_->run();
    finish_result();
    return std::move(result_);
  }

  void set_engine(sg4::Engine* e) { engine_ = e; }

 private:
  void build_platform() {
    auto* zone = sg4::create_full_zone("machine");
    for (const auto& p : platform_.processors) proc_hosts_.push_back(zone->create_host(p.name, 1.0));
    for (const auto& m : platform_.memories) mem_hosts_.push_back(zone->create_host(m.name, 1.0));
    for (int n = 0; n < platform_.nodes; ++n) util_hosts_.push_back(zone->create_host(fmt::format("n{}.util", n), 1.0));
    for (const auto& l : platform_.links) {
      auto* link = zone->create_link(l.name, l.bandwidth);
      link->set_latency(l.latency);
      link->seal();
      links_.push_back(link);
    }
    for (const auto& [pair, route] : platform_.routes) {  // in (source, destination) order
      const auto s = static_cast<std::size_t>(pair.first), d = static_cast<std::size_t>(pair.second);
      if (s == d || route.empty()) continue;
      std::vector<sg4::LinkInRoute> hops;
      for (int l : route) hops.emplace_back(links_[static_cast<std::size_t>(l)]);
      zone->add_route(mem_hosts_[s]->get_netpoint(), mem_hosts_[d]->get_netpoint(), nullptr, nullptr, hops, false);
    }
    zone->seal();
  }

  void start_actors() {
    // Node 0's runtime launches every task that is not control-replicated; each node's own runtime
    // launches its replicated ones.
    std::vector<bool> replicated_on(static_cast<std::size_t>(platform_.nodes), false);
    bool central = false;
    for (const auto& t : graph_.tasks) {
      if (t.replicated) replicated_on[static_cast<std::size_t>(t.node)] = true;
      else central = true;
    }
    if (central) sg4::Actor::create("runtime", util_hosts_[0], [this] { runtime(-1); });
    for (int n = 0; n < platform_.nodes; ++n)
      if (replicated_on[static_cast<std::size_t>(n)])
        sg4::Actor::create(fmt::format("runtime{}", n), util_hosts_[static_cast<std::size_t>(n)], [this, n] { runtime(n); });
    for (const auto& [proc, tasks] : per_processor_) {
      sg4::Host* host = proc_hosts_[static_cast<std::size_t>(proc)];
      bool copies = std::any_of(tasks.begin(), tasks.end(),
                                [&](int t) { return !graph_.tasks[static_cast<std::size_t>(t)].copies.empty(); });
      if (copies)
        sg4::Actor::create(fmt::format("copies{}", proc), host, [this, tasks = tasks] { copy_engine(tasks); });
      sg4::Actor::create(fmt::format("proc{}", proc), host, [this, proc = proc, tasks = tasks] { processor(proc, tasks); });
    }
  }

  // Each actor sleeps on its own condition variable and registers it with the one task (or limit) it
  // waits for, so an event wakes only the actors that care about it.
  template <class Pred>
  bool wait_on(std::vector<sg4::ConditionVariable*>& watchers, Pred ready) {
    // Actors never preempt each other, so a condition that already holds needs no lock (a simcall).
    if (ready() || failed_) return !failed_;
    std::unique_lock lock(*mutex_);
    sg4::ConditionVariable* me = own_cv();
    while (!ready() && !failed_) {
      watchers.push_back(me);
      me->wait(lock);
    }
    return !failed_;
  }
  template <class Pred>
  bool wait_task(int t, Pred ready) { return wait_on(task_watchers_[static_cast<std::size_t>(t)], ready); }
  template <class Pred>
  bool wait_limit(int proc, int group, Pred ready) { return wait_on(limit_watchers_[{proc, group}], ready); }

  // Notifying is a simcall: other actors run meanwhile and may register again, so take the list first.
  static void wake(std::vector<sg4::ConditionVariable*>& watchers) {
    std::vector<sg4::ConditionVariable*> woken;
    woken.swap(watchers);
    for (auto* cv : woken) cv->notify_all();
  }
  void changed_task(int t) { wake(task_watchers_[static_cast<std::size_t>(t)]); }

  sg4::ConditionVariable* own_cv() {
    auto& cv = actor_cvs_[sg4::this_actor::get_pid()];
    if (!cv) cv = sg4::ConditionVariable::create();
    return cv.get();
  }

  // Tasks of a limit group mapped but not finished on one processor: Legion runs a mapper per processor,
  // so an `InstanceLimit` counts per processor.
  std::int64_t& mapped(int proc, int group) {
    return mapped_[static_cast<std::size_t>(proc) * std::max<std::size_t>(graph_.limits.size(), 1) +
                   static_cast<std::size_t>(group)];
  }

  // A runtime maps tasks in program order on its utility processor: node 0's (node = -1) the tasks that
  // are not control-replicated, node n's the replicated tasks of node n.
  void runtime(int node) {
    double free_at = 0;  // when this runtime has finished mapping the tasks so far
    for (std::size_t t = 0; t < graph_.tasks.size(); ++t) {
      const SimTask& task = graph_.tasks[t];
      if (node >= 0 ? (!task.replicated || task.node != node) : task.replicated) continue;
      if (task.limit_group >= 0) {
        auto limit = graph_.limits[static_cast<std::size_t>(task.limit_group)].count;
        double before = sg4::Engine::get_clock();
        if (!wait_limit(task.processor, task.limit_group,
                        [&] { return mapped(task.processor, task.limit_group) < limit; }))
          return;
        // Held back: the task that finished last in the group made room (for the critical path).
        if (sg4::Engine::get_clock() > before && sg4::Engine::get_clock() > free_at)
          result_.tasks[t].limit_wait = last_release_[{task.processor, task.limit_group}];
      }
      // The runtime's time is accounted, not simulated: the task is mapped once the runtime has done
      // the work of every task before it, and whoever waits for it sleeps until then. This saves a
      // SimGrid activity per task wherever the runtime is not the bottleneck.
      free_at = std::max(free_at, sg4::Engine::get_clock()) + platform_.runtime_overhead;
      if (!allocate(static_cast<int>(t))) return;
      if (task.limit_group >= 0) ++mapped(task.processor, task.limit_group);
      result_.tasks[t].launched = free_at;
      launched_[t] = true;
      changed_task(static_cast<int>(t));
    }
  }

  static void sleep_until(double time) {
    double now = sg4::Engine::get_clock();
    if (time > now) sg4::this_actor::sleep_for(time - now);
  }

  bool allocate(int t) {
    for (const auto& a : graph_.tasks[static_cast<std::size_t>(t)].allocations) {
      auto m = static_cast<std::size_t>(a.memory);
      std::uint64_t cap = platform_.memories[m].capacity;
      if (cap > 0 && in_use_[m] + a.bytes > cap) {
        result_.oom = OutOfMemory{t, a.memory, a.bytes, in_use_[m], cap, a.what};
        fail(fmt::format("out of memory in {}", platform_.memories[m].name));
        return false;
      }
      in_use_[m] += a.bytes;
      result_.memory_peak[m] = std::max(result_.memory_peak[m], in_use_[m]);
    }
    return true;
  }

  void release(int t) {
    for (const auto& a : graph_.tasks[static_cast<std::size_t>(t)].allocations)
      if (a.released_at_end) in_use_[static_cast<std::size_t>(a.memory)] -= a.bytes;
  }

  void fail(std::string why) {
    if (!failed_) result_.error = std::move(why);
    failed_ = true;
    for (auto& [pid, cv] : actor_cvs_) cv->notify_all();
  }

  // Fetches each task's inputs as soon as the task is mapped and the data is produced, ahead of the
  // processor, so that copies for the next task overlap with the current computation.
  void copy_engine(const std::vector<int>& tasks) {
    std::vector<sg4::CommPtr> comms;  // kept until complete: SimGrid needs a live reference
    std::vector<std::size_t> indices;
    for (int t : tasks) {
      const SimTask& task = graph_.tasks[static_cast<std::size_t>(t)];
      if (task.copies.empty()) continue;
      if (!wait_task(t, [&] { return static_cast<bool>(launched_[static_cast<std::size_t>(t)]); })) return;
      if (!wait_fence(t)) return;
      sleep_until(result_.tasks[static_cast<std::size_t>(t)].launched);
      comms.clear();
      indices.clear();
      for (std::size_t i = 0; i < task.copies.size(); ++i) {
        const CopyOp& c = task.copies[i];
        if (c.after_task >= 0 &&
            !wait_task(c.after_task, [&] { return static_cast<bool>(finished_[static_cast<std::size_t>(c.after_task)]); }))
          return;
        if (c.bytes == 0 || c.src_memory == c.dst_memory) continue;
        const auto& route = platform_.route(c.src_memory, c.dst_memory);
        if (route.empty()) continue;
        for (int l : route) result_.link_bytes[static_cast<std::size_t>(l)] += c.bytes;
        result_.copies.push_back(CopyTiming{t, static_cast<int>(i), sg4::Engine::get_clock(), 0});
        indices.push_back(result_.copies.size() - 1);
        comms.push_back(sg4::Comm::sendto_async(mem_hosts_[static_cast<std::size_t>(c.src_memory)],
                                                mem_hosts_[static_cast<std::size_t>(c.dst_memory)], c.bytes));
      }
      for (std::size_t k = 0; k < comms.size(); ++k) {
        comms[k]->wait();
        result_.copies[indices[k]].end = sg4::Engine::get_clock();
      }
      copies_done_[static_cast<std::size_t>(t)] = true;
      changed_task(t);
    }
  }

  // A timed task, and each copy for it, waits for the execution fence: every warm-up task finished.
  bool wait_fence(int t) {
    if (static_cast<std::size_t>(t) < first_timed_) return true;
    return wait_on(fence_watchers_, [&] { return warmup_left_ == 0; });
  }

  void processor(int proc, const std::vector<int>& tasks) {
    for (int t : tasks) {
      auto ti = static_cast<std::size_t>(t);
      const SimTask& task = graph_.tasks[ti];
      if (!wait_task(t, [&] { return launched_[ti] && copies_done_[ti]; })) return;
      for (int d : task.deps)
        if (!wait_task(d, [&] { return static_cast<bool>(finished_[static_cast<std::size_t>(d)]); })) return;
      if (!wait_fence(t)) return;
      bool remote = !task.replicated && task.node != 0;
      sleep_until(result_.tasks[ti].launched + (remote ? platform_.remote_launch_latency : 0.0));
      result_.tasks[ti].start = sg4::Engine::get_clock();
      if (task.compute_seconds > 0) sg4::this_actor::execute(task.compute_seconds);
      result_.tasks[ti].end = sg4::Engine::get_clock();
      result_.processor_busy[static_cast<std::size_t>(proc)] += task.compute_seconds;
      finished_[ti] = true;
      release(t);
      changed_task(t);
      if (task.limit_group >= 0) {
        --mapped(task.processor, task.limit_group);
        last_release_[{task.processor, task.limit_group}] = t;
        wake(limit_watchers_[{task.processor, task.limit_group}]);
      }
      if (ti < first_timed_ && --warmup_left_ == 0) {
        result_.timed_start = sg4::Engine::get_clock();
        wake(fence_watchers_);
      }
    }
  }

  void finish_result() {
    auto unfinished = std::find(finished_.begin(), finished_.end(), false);
    result_.completed = !failed_ && unfinished == finished_.end();
    if (!failed_ && !result_.completed) {
      auto t = static_cast<std::size_t>(unfinished - finished_.begin());
      result_.stalled = true;
      result_.error = fmt::format("the simulation stalled: task {} never ran (a dependence cycle or an "
                                  "InstanceLimit that can never be satisfied)",
                                  graph_.tasks[t].label);
    }
    for (std::size_t t = 0; t < graph_.tasks.size(); ++t)
      result_.makespan = std::max(result_.makespan, result_.tasks[t].end);
    // Without timed tasks the fence is the end of the run (an empty window).
    if (first_timed_ == graph_.tasks.size() && warmup_left_ == 0) result_.timed_start = result_.makespan;
  }

  const EnginePlatform& platform_;
  const TaskGraph& graph_;
  sg4::Engine* engine_ = nullptr;
  std::vector<sg4::Host*> proc_hosts_, mem_hosts_, util_hosts_;
  std::vector<sg4::Link*> links_;
  std::map<int, std::vector<int>> per_processor_;  // ordered: actors are created deterministically
  sg4::MutexPtr mutex_;
  std::map<aid_t, sg4::ConditionVariablePtr> actor_cvs_;
  std::vector<std::vector<sg4::ConditionVariable*>> task_watchers_;
  std::map<std::pair<int, int>, std::vector<sg4::ConditionVariable*>> limit_watchers_;
  std::map<std::pair<int, int>, int> last_release_;  // (processor, limit group) -> task that ended last
  std::vector<sg4::ConditionVariable*> fence_watchers_;
  std::size_t first_timed_ = 0;  // tasks before it are the warm-up
  std::size_t warmup_left_ = 0;  // warm-up tasks not finished yet
  std::vector<bool> launched_, copies_done_, finished_;
  std::vector<std::int64_t> mapped_;
  std::vector<std::uint64_t> in_use_;
  bool failed_ = false;
  EngineResult result_;
};

}  // namespace

EngineResult run_engine(const EnginePlatform& platform, const TaskGraph& graph) {
  xbt_log_control_set("root.thresh:critical");
  int argc = 1;
  char name[] = "mage-sim";
  char* argv[] = {name, nullptr};
  sg4::Engine engine(&argc, argv);
  // The plain max-min model: transfers take bytes / bandwidth + latency, shared fairly on each link,
  // without the TCP correction factors of SimGrid's default model.
  sg4::Engine::set_config("network/model:CM02");
  sg4::Engine::set_config("network/crosstraffic:0");
  sg4::Engine::set_config("network/TCP-gamma:0");  // no TCP window bound on long-latency links
  // Every actor gets a stack of its own: SimGrid's default of 8 MiB reserves gigabytes of address space on
  // a few hundred processors, which a memory limit (`ulimit -v`) refuses although little of it is used.
  // The actors' code is shallow; 256 KiB is ample.
  sg4::Engine::set_config("contexts/stack-size:256");
  Run run(platform, graph);
  run.set_engine(&engine);
  return run.execute();
}

nlohmann::json to_json(const EngineResult& r) {
  nlohmann::json j;
  j["completed"] = r.completed;
  j["error"] = r.error;
  j["makespan"] = r.makespan;
  j["timed_start"] = r.timed_start;
  nlohmann::json tasks = nlohmann::json::array();
  for (const auto& t : r.tasks) tasks.push_back({t.launched, t.start, t.end});
  j["tasks"] = std::move(tasks);
  nlohmann::json copies = nlohmann::json::array();
  for (const auto& c : r.copies) copies.push_back({c.task, c.index, c.start, c.end});
  j["copies"] = std::move(copies);
  j["processor_busy"] = r.processor_busy;
  j["link_bytes"] = r.link_bytes;
  j["memory_peak"] = r.memory_peak;
  if (r.oom)
    j["oom"] = {{"task", r.oom->task},         {"memory", r.oom->memory},     {"requested", r.oom->requested},
                {"in_use", r.oom->in_use},     {"capacity", r.oom->capacity}, {"what", r.oom->what}};
  return j;
}

namespace {

class Writer {
 public:
  template <class T>
  void put(T v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  void put(const std::string& s) {
    put<std::uint64_t>(s.size());
    out += s;
  }
  template <class T>
  void put_vector(const std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>, "sent as raw bytes");
    put<std::uint64_t>(v.size());
    out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
  std::string out;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  template <class T>
  bool get(T& v) {
    if (in_.size() - pos_ < sizeof v) return false;
    std::memcpy(&v, in_.data() + pos_, sizeof v);
    pos_ += sizeof v;
    return true;
  }
  bool get(std::string& s) {
    std::uint64_t n = 0;
    if (!get(n) || in_.size() - pos_ < n) return false;
    s.assign(in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  template <class T>
  bool get_vector(std::vector<T>& v) {
    std::uint64_t n = 0;
    if (!get(n) || (in_.size() - pos_) / sizeof(T) < n) return false;
    v.resize(n);
    if (n > 0) std::memcpy(v.data(), in_.data() + pos_, n * sizeof(T));  // an empty vector's data() may be null
    pos_ += n * sizeof(T);
    return true;
  }
  bool done() const { return pos_ == in_.size(); }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
};

}  // namespace

std::string encode(const EngineResult& r) {
  Writer w;
  w.put<std::uint8_t>(r.completed);
  w.put(r.error);
  w.put<std::uint8_t>(r.stalled);
  w.put(r.makespan);
  w.put(r.timed_start);
  w.put_vector(r.tasks);
  w.put_vector(r.copies);
  w.put_vector(r.processor_busy);
  w.put_vector(r.link_bytes);
  w.put_vector(r.memory_peak);
  w.put<std::uint8_t>(r.oom.has_value());
  if (r.oom) {
    w.put(r.oom->task);
    w.put(r.oom->memory);
    w.put(r.oom->requested);
    w.put(r.oom->in_use);
    w.put(r.oom->capacity);
    w.put(r.oom->what);
  }
  return std::move(w.out);
}

std::optional<EngineResult> decode(std::string_view bytes) {
  Reader rd(bytes);
  EngineResult r;
  std::uint8_t completed = 0, oom = 0, stalled = 0;
  bool ok = rd.get(completed) && rd.get(r.error) && rd.get(stalled) && rd.get(r.makespan) && rd.get(r.timed_start) &&
            rd.get_vector(r.tasks) && rd.get_vector(r.copies) && rd.get_vector(r.processor_busy) &&
            rd.get_vector(r.link_bytes) && rd.get_vector(r.memory_peak) && rd.get(oom);
  if (ok && oom) {
    OutOfMemory o;
    ok = rd.get(o.task) && rd.get(o.memory) && rd.get(o.requested) && rd.get(o.in_use) && rd.get(o.capacity) &&
         rd.get(o.what);
    r.oom = o;
  }
  if (!ok || !rd.done()) return std::nullopt;
  r.completed = completed != 0;
  r.stalled = stalled != 0;
  return r;
}

EngineResult run_engine_isolated(const EnginePlatform& platform, const TaskGraph& graph) {
  constexpr int kChildThrew = 4;  // the child's exit status when the engine threw; the pipe holds why
  EngineResult failure;
  failure.crashed = true;  // until the child reports: a pipe or a process that cannot be made is mage's failure
  int fds[2];
  if (::pipe(fds) != 0) {
    failure.error = fmt::format("cannot create a pipe for the simulation: {}", std::strerror(errno));
    return failure;
  }
  // Buffered output would otherwise be written twice: the child's SimGrid flushes stdio.
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    failure.error = fmt::format("cannot start the simulation process: {}", std::strerror(errno));
    return failure;
  }
  if (pid == 0) {
    ::close(fds[0]);
    // SimGrid reports a stalled run on stderr itself; the result already says it, once and clearly.
    if (int devnull = ::open("/dev/null", O_WRONLY); devnull >= 0) ::dup2(devnull, STDERR_FILENO);
    if (util::test_crash_requested("simulation-process")) std::abort();
    std::string out;
    int status = 0;
    try {
      out = encode(run_engine(platform, graph));
    } catch (const std::exception& e) {
      // The engine never throws on a plan, whatever the program: this is mage's failure. The reason
      // goes back as plain text, marked by the exit status.
      out = e.what();
      status = kChildThrew;
    }
    for (std::size_t done = 0; done < out.size();) {
      ssize_t n = ::write(fds[1], out.data() + done, out.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) ::_exit(3);
      done += static_cast<std::size_t>(n);
    }
    ::close(fds[1]);
    ::_exit(status);  // no destructors or atexit handlers: SimGrid's global state dies with the process
  }
  ::close(fds[1]);
  std::string in;
  char buf[1 << 16];
  while (true) {
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    in.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == kChildThrew) {
    failure.error = fmt::format("the simulation failed: {}", in);
    return failure;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    failure.error = WIFSIGNALED(status) ? fmt::format("the simulation process died from signal {} ({})",
                                                      WTERMSIG(status), strsignal(WTERMSIG(status)))
                                        : fmt::format("the simulation process exited with status {}", WEXITSTATUS(status));
    return failure;
  }
  if (auto r = decode(in)) return *r;
  failure.error = "the simulation process returned an unreadable result";
  return failure;
}

}  // namespace mage::sim
