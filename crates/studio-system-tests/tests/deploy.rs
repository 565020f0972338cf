//! The Kubernetes deployment (`deploy/kubernetes/`, issue 18) against what the worker really
//! does: queue names, the settings it reads, the metrics port, path and names, the drain on
//! SIGTERM and the secrets KEDA and the workers share. Every overlay is rendered by the same
//! offline renderer `scripts/test-deploy.sh` uses (`deploy/kubernetes/tools/render.py`, with the
//! project's `.venv`); schema validation and the scaler simulation are that script's part.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use studio_api::Settings;
use studio_core::{parse_queue_roles, QueueRole};
use studio_engine::client::QueueStatus;
use studio_engine::config::WorkerConfig;
use studio_engine::metrics::{self, MetricsEndpoint};
use studio_engine::names;

const ROLES: [(QueueRole, &str); 2] = [(QueueRole::Fast, "fast"), (QueueRole::Slow, "slow")];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn kube() -> PathBuf {
    repo().join("deploy/kubernetes")
}

/// The overlays' names, sorted.
fn overlays() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(kube().join("overlays"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 4, "{names:?}");
    names
}

/// The project's Python with PyYAML (`scripts/setup.sh` installs both). When either is missing
/// the test fails saying how to fix it: a test that skips passes without checking anything.
fn python() -> PathBuf {
    let py = repo().join(".venv/bin/python");
    let yaml = Command::new(&py).args(["-c", "import yaml"]).output();
    match yaml {
        Ok(out) if out.status.success() => py,
        Ok(out) => panic!(
            "{} cannot import yaml ({}): run ./scripts/setup.sh, which installs PyYAML into \
             .venv, then this test renders deploy/kubernetes itself",
            py.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ),
        Err(e) => panic!(
            "{} does not run ({e}): run ./scripts/setup.sh to create .venv with PyYAML",
            py.display()
        ),
    }
}

/// One overlay rendered to its objects.
fn render(py: &Path, overlay: &str) -> Vec<Value> {
    let out = Command::new(py)
        .arg(kube().join("tools/render.py"))
        .arg(kube().join("overlays").join(overlay))
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "render {overlay}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    match serde_json::from_slice::<Value>(&out.stdout).unwrap() {
        Value::Array(objects) => objects,
        other => panic!("render {overlay}: not a list: {other}"),
    }
}

fn find<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

/// The worker container of a role's Deployment.
fn worker_container(deployment: &Value) -> &Value {
    deployment["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "worker")
        .expect("a container named worker")
}

fn env_value<'a>(container: &'a Value, name: &str) -> Option<&'a Value> {
    container["env"]
        .as_array()?
        .iter()
        .find(|e| e["name"] == name)
}

/// The port `studio worker --metrics` listens on in the image (its ENTRYPOINT), and the image's
/// STOPSIGNAL.
fn containerfile() -> (u16, String) {
    let text = std::fs::read_to_string(repo().join("deploy/container/Containerfile")).unwrap();
    let entry = text
        .lines()
        .find(|l| l.starts_with("ENTRYPOINT"))
        .expect("ENTRYPOINT");
    // `exec`: studio is PID 1 and gets the kubelet's SIGTERM itself, not a shell that drops it.
    assert!(entry.contains("exec studio worker"), "{entry}");
    assert!(entry.contains("--queues \\\"$STUDIO_QUEUES\\\""), "{entry}");
    let addr = entry
        .split("--metrics ")
        .nth(1)
        .and_then(|s| s.split(['"', ' ', ']']).next())
        .expect("--metrics in the ENTRYPOINT");
    let addr: std::net::SocketAddr = addr.parse().unwrap();
    assert!(
        addr.ip().is_unspecified(),
        "scraped from other pods: {addr}"
    );
    let signal = text
        .lines()
        .find_map(|l| l.strip_prefix("STOPSIGNAL "))
        .expect("STOPSIGNAL")
        .trim()
        .to_owned();
    (addr.port(), signal)
}

#[test]
fn queues_settings_and_drain_match_the_worker() {
    let py = python();
    let (port, signal) = containerfile();
    assert_eq!(signal, "SIGTERM", "the signal `studio worker` drains on");
    let defaults = WorkerConfig::default();
    assert_eq!(defaults.task_queue, names::TASK_QUEUE);
    for overlay in overlays() {
        let objects = render(&py, &overlay);
        let env = &find(&objects, "ConfigMap", "studio-worker-env")["data"];
        let role_settings = &find(&objects, "ConfigMap", "studio-worker-settings")["data"];
        // The fast queue keeps the seed's name, so seed clients reach these workers.
        assert_eq!(env["STUDIO_TASK_QUEUE"], names::TASK_QUEUE, "{overlay}");
        let slow_queue = str_of(&env["STUDIO_SLOW_TASK_QUEUE"]);
        assert_ne!(
            slow_queue,
            names::TASK_QUEUE,
            "{overlay}: the slow queue is split off"
        );

        for (role, name) in ROLES {
            let dep = find(&objects, "Deployment", &format!("studio-worker-{name}"));
            let c = worker_container(dep);
            let pod = &dep["spec"]["template"];

            // What the container's entrypoint passes as --queues.
            let queues = str_of(&env_value(c, "STUDIO_QUEUES").expect("STUDIO_QUEUES")["value"]);
            assert_eq!(parse_queue_roles(queues).unwrap(), vec![role], "{overlay}");

            // The settings the worker process will load: its settings.json (the ConfigMap the
            // init container copies) and the environment (the env ConfigMap), through the same
            // code the worker uses. The environment is passed, not set: the process's is
            // shared with every test thread.
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(
                dir.path().join("settings.json"),
                str_of(&role_settings[format!("{name}.json")]),
            )
            .unwrap();
            let vars = env.as_object().unwrap();
            let settings = Settings::load_without_keys_from(dir.path(), |k| {
                vars.get(k).map(|v| str_of(v).to_owned())
            })
            .unwrap();
            let w = &settings.worker;
            assert!(w.is_split(), "{overlay}");
            assert_eq!(w.queue(QueueRole::Fast), names::TASK_QUEUE);
            assert_eq!(w.queue(QueueRole::Slow), slow_queue);
            // The init container copies this role's file to the data dir the worker reads.
            let init = &pod["spec"]["initContainers"][0];
            let copy = init["command"].to_string();
            assert!(
                copy.contains(&format!("{name}.json /var/lib/studio/settings.json")),
                "{copy}"
            );
            let data_mount = c["volumeMounts"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["name"] == "data")
                .unwrap();
            assert_eq!(data_mount["mountPath"], "/var/lib/studio");

            // KEDA scales this role on the queue it polls, with the slots it has.
            let so = find(&objects, "ScaledObject", &format!("studio-worker-{name}"));
            assert_eq!(
                so["spec"]["scaleTargetRef"]["name"],
                dep["metadata"]["name"]
            );
            let trigger = &so["spec"]["triggers"][0];
            if trigger["type"] == "temporal" {
                let m = &trigger["metadata"];
                assert_eq!(str_of(&m["taskQueue"]), w.queue(role), "{overlay} {name}");
                assert_eq!(m["namespace"], env["TEMPORAL_NAMESPACE"], "{overlay}");
                assert_eq!(m["endpoint"], env["TEMPORAL_ADDRESS"], "{overlay}");
                let types: Vec<&str> = str_of(&m["queueTypes"]).split(',').collect();
                match role {
                    // Workflow tasks are polled on the fast queue only.
                    QueueRole::Fast => assert_eq!(types, ["workflow", "activity"]),
                    QueueRole::Slow => assert_eq!(types, ["activity"]),
                }
            } else {
                assert_eq!(trigger["type"], "prometheus", "{overlay}");
                let query = str_of(&trigger["metadata"]["query"]);
                assert_eq!(
                    query,
                    format!(
                        "max({}{{task_queue=\"{}\"}})",
                        metrics::names::BACKLOG,
                        w.queue(role)
                    ),
                    "{overlay}"
                );
                // The gauge is sampled by the role's own workers: never zero of them.
                assert!(so["spec"]["minReplicaCount"].as_u64().unwrap() >= 1);
            }
            if role == QueueRole::Fast {
                // Workflow tasks always need a poller.
                assert!(so["spec"]["minReplicaCount"].as_u64().unwrap() >= 1);
            }

            // SIGTERM drain: the worker's graceful period, then the kubelet's SIGKILL after
            // terminationGracePeriodSeconds, which must leave a margin.
            let grace = pod["spec"]["terminationGracePeriodSeconds"]
                .as_u64()
                .unwrap();
            assert!(
                grace >= w.graceful_shutdown_secs + 15,
                "{overlay} {name}: grace {grace} s for a {} s drain",
                w.graceful_shutdown_secs
            );
            if role == QueueRole::Fast {
                assert_eq!(w.graceful_shutdown_secs, defaults.graceful_shutdown_secs);
            }
            // Nothing runs before SIGTERM that could eat the grace period.
            assert!(c.get("lifecycle").is_none(), "{overlay} {name}");

            // Metrics: the port the entrypoint serves, scraped at /metrics.
            let ports = c["ports"].as_array().unwrap();
            assert_eq!(ports.len(), 1);
            assert_eq!(ports[0]["name"], "metrics");
            assert_eq!(ports[0]["containerPort"].as_u64(), Some(u64::from(port)));
            let ann = &pod["metadata"]["annotations"];
            assert_eq!(ann["prometheus.io/scrape"], "true");
            assert_eq!(ann["prometheus.io/port"], port.to_string());
            assert_eq!(ann["prometheus.io/path"], "/metrics");
            for probe in ["readinessProbe", "livenessProbe"] {
                assert_eq!(c[probe]["httpGet"]["path"], "/metrics", "{probe}");
                assert_eq!(c[probe]["httpGet"]["port"], "metrics", "{probe}");
            }

            // The disruption budget covers exactly this role's pods.
            let pdb = find(
                &objects,
                "PodDisruptionBudget",
                &format!("studio-worker-{name}"),
            );
            assert_eq!(
                pdb["spec"]["selector"]["matchLabels"],
                dep["spec"]["selector"]["matchLabels"]
            );
            for (k, v) in dep["spec"]["selector"]["matchLabels"].as_object().unwrap() {
                assert_eq!(&pod["metadata"]["labels"][k], v);
            }
        }
    }
}

#[test]
fn every_temporal_overlay_scales_alike_and_shares_the_workers_credentials() {
    let py = python();
    let local = render(&py, "local");
    let scaling = |objects: &[Value], name: &str| {
        let so = find(objects, "ScaledObject", name);
        let m = &so["spec"]["triggers"][0]["metadata"];
        (
            so["spec"]["minReplicaCount"].clone(),
            so["spec"]["maxReplicaCount"].clone(),
            m["taskQueue"].clone(),
            m["queueTypes"].clone(),
            m["targetQueueSize"].clone(),
            m["activationTargetQueueSize"].clone(),
        )
    };
    for overlay in overlays() {
        let objects = render(&py, &overlay);
        for (_, name) in ROLES {
            let so_name = format!("studio-worker-{name}");
            let so = find(&objects, "ScaledObject", &so_name);
            let trigger = &so["spec"]["triggers"][0];
            if trigger["type"] != "temporal" {
                continue;
            }
            // The cloud overlays restate the triggers (a patch replaces the list): same scaling.
            assert_eq!(
                scaling(objects.as_slice(), so_name.as_str()),
                scaling(local.as_slice(), so_name.as_str()),
                "{overlay}"
            );
            let c = worker_container(find(&objects, "Deployment", &so_name));
            let Some(auth) = trigger["authenticationRef"]["name"].as_str() else {
                continue;
            };
            let ta = find(&objects, "TriggerAuthentication", auth);
            for r in ta["spec"]["secretTargetRef"].as_array().unwrap() {
                let (secret, key) = (str_of(&r["name"]), str_of(&r["key"]));
                match str_of(&r["parameter"]) {
                    // KEDA's key is the workers' TEMPORAL_API_KEY (Temporal's envconfig).
                    "apiKey" => {
                        let from = &env_value(c, "TEMPORAL_API_KEY").expect("TEMPORAL_API_KEY")
                            ["valueFrom"]["secretKeyRef"];
                        assert_eq!((str_of(&from["name"]), str_of(&from["key"])), (secret, key));
                    }
                    // KEDA's client certificate is the one the workers present.
                    p @ ("cert" | "key") => {
                        let var = if p == "cert" {
                            "TEMPORAL_TLS_CLIENT_CERT_PATH"
                        } else {
                            "TEMPORAL_TLS_CLIENT_KEY_PATH"
                        };
                        let path = str_of(&env_value(c, var).expect(var)["value"]);
                        let volume = find_volume_for(
                            &find(&objects, "Deployment", &so_name)["spec"]["template"]["spec"],
                            c,
                            path,
                        );
                        assert_eq!(volume["secret"]["secretName"], secret, "{overlay}");
                        assert!(path.ends_with(&format!("/{key}")), "{path} vs {key}");
                    }
                    other => panic!("{overlay}: unexpected auth parameter {other}"),
                }
            }
        }
    }
}

/// The pod volume mounted at the directory holding `path`.
fn find_volume_for<'a>(pod_spec: &'a Value, container: &Value, path: &str) -> &'a Value {
    let mount = container["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| path.starts_with(&format!("{}/", str_of(&m["mountPath"]))))
        .unwrap_or_else(|| panic!("nothing mounted for {path}"));
    pod_spec["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == mount["name"])
        .unwrap()
}

/// The fallback's query, against a real scrape: the worker's exporter serves `/metrics` with the
/// backlog gauge under the name and label the Prometheus trigger asks for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fallback_query_names_what_the_worker_exports() {
    let py = python();
    let objects = render(&py, "prometheus-fallback");
    let endpoint = MetricsEndpoint::start("127.0.0.1:0".parse().unwrap()).unwrap();
    let studio = endpoint.studio_metrics();
    let env = &find(&objects, "ConfigMap", "studio-worker-env")["data"];
    let mut queues = Vec::new();
    for (i, var) in ["STUDIO_TASK_QUEUE", "STUDIO_SLOW_TASK_QUEUE"]
        .into_iter()
        .enumerate()
    {
        let q = str_of(&env[var]).to_owned();
        let status = QueueStatus {
            workflow_pollers: 1,
            activity_pollers: 1,
            backlog: 17 + i as u64,
            backlog_age_secs: 3,
        };
        studio.queue_sampled(&q, &status);
        queues.push((q, 17 + i as u64));
    }
    let addr = endpoint.addr;
    let mut body = String::new();
    // The exporter publishes what was recorded on its next collection.
    for _ in 0..50 {
        body = tokio::task::spawn_blocking(move || scrape(addr))
            .await
            .unwrap();
        if body.contains(metrics::names::BACKLOG) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    for (_, name) in ROLES {
        let so = find(&objects, "ScaledObject", &format!("studio-worker-{name}"));
        let query = str_of(&so["spec"]["triggers"][0]["metadata"]["query"]);
        // max(NAME{task_queue="Q"}) -> NAME and Q
        let inner = query
            .strip_prefix("max(")
            .and_then(|q| q.strip_suffix(')'))
            .unwrap();
        let (metric, label) = inner.split_once('{').unwrap();
        assert!(metrics::names::ALL.contains(&metric), "{metric}");
        let label = label.trim_end_matches('}');
        let (q, expected) = queues
            .iter()
            .find(|(q, _)| label == format!("task_queue=\"{q}\""))
            .unwrap_or_else(|| panic!("{query} names no configured queue"));
        let line = body
            .lines()
            .find(|l| l.starts_with(&format!("{metric}{{")) && l.contains(label))
            .unwrap_or_else(|| panic!("no {metric} for {q} in the scrape:\n{body}"));
        let value: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
        assert!((value - *expected as f64).abs() < 1e-9, "{line}");
    }
}

/// `GET /metrics` as Prometheus scrapes it: the path the pod annotations and probes name.
fn scrape(addr: std::net::SocketAddr) -> String {
    use std::io::{Read, Write};
    let mut conn = std::net::TcpStream::connect(addr).unwrap();
    conn.write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    conn.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    body.to_owned()
}
