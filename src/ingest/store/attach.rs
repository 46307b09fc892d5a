//! Where a log belongs when its path does not say: a pod status naming its runtime id, the
//! start-up banner of a sibling instance, a pod, container or workload named like the file, the
//! paste it came with or the pods in trouble; and an unidentified paste joining the pod in
//! trouble.

use super::Store;
use crate::ingest::artifact::LogItem;
use crate::k8s::workload_of;

/// A log line with every word holding a digit masked: instances of one container print the
/// same banner with
/// other timestamps, pids, versions and commit hashes.
fn banner(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for tok in line.split_inclusive(|c: char| !c.is_ascii_alphanumeric()) {
        let word = tok.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
        if word.bytes().any(|b| b.is_ascii_digit()) {
            out.push('#');
            out.push_str(&tok[word.len()..]);
        } else {
            out.push_str(tok);
        }
    }
    out
}

impl Store {
    /// Attach a log whose runtime container id a pod status names; give it back otherwise.
    pub(super) fn attach_by_id(&mut self, log: LogItem) -> Option<LogItem> {
        if let Some(id) = &log.container_id {
            for pod in &mut self.pods {
                if let Some((_, c)) = pod.containers.iter_mut().find(|(_, c)| c.ids.contains(id)) {
                    c.logs.push(log.scan);
                    return None;
                }
            }
        }
        Some(log)
    }

    /// Attach a log that no pod status names by runtime id: by banner, pod, container or
    /// workload name, the paste it came with or the pods in trouble; else it is an incident of
    /// its own, named after the file.
    pub(super) fn attach(&mut self, log: LogItem) {
        // 0b. an unidentified Docker log of a container's other instance: same start-up banner
        //     (digits and hex masked) as a log already attached by id.
        if log.container_id.is_some() {
            if let Some(sig) = log.scan.first_line.as_deref().map(banner) {
                for pod in &mut self.pods {
                    for (_, c) in pod.containers.iter_mut() {
                        if c.logs
                            .iter()
                            .any(|l| l.first_line.as_deref().map(banner).as_ref() == Some(&sig))
                        {
                            c.logs.push(log.scan);
                            return;
                        }
                    }
                }
            }
        }
        let stem = log.stem.as_str();
        // 1. a pod's exact name
        if let Some(&i) = self.index.get(stem).and_then(|v| v.first()) {
            self.pods[i].logs.push(log.scan);
            return;
        }
        // 2. `<pod>_<container>`, `<pod>-<container>`, `<pod>.<container>`
        for i in 0..self.pods.len() {
            let name = self.pods[i].name.clone();
            if let Some(rest) = stem.strip_prefix(name.as_str()) {
                if let Some(c) = rest.strip_prefix(['_', '-', '.']) {
                    if self.pods[i].containers.iter().any(|(n, _)| n == c) {
                        self.pods[i].container(c).logs.push(log.scan);
                        return;
                    }
                }
            }
        }
        // 3. a container name unique across pods
        let by_container: Vec<usize> = (0..self.pods.len())
            .filter(|&i| self.pods[i].containers.iter().any(|(n, _)| n == stem))
            .collect();
        if by_container.len() == 1 {
            let i = by_container[0];
            self.pods[i].container(stem).logs.push(log.scan);
            return;
        }
        // 4. a workload: the pod name without its ReplicaSet/StatefulSet suffix
        let by_workload: Vec<usize> = (0..self.pods.len())
            .filter(|&i| workload_of(&self.pods[i].name) == stem)
            .collect();
        if !by_workload.is_empty() {
            let troubled: Vec<usize> = by_workload
                .iter()
                .copied()
                .filter(|&i| self.pods[i].troubled())
                .collect();
            let targets = if troubled.is_empty() {
                vec![by_workload[0]]
            } else {
                troubled
            };
            for i in targets {
                self.pods[i].logs.push(log.scan.clone());
            }
            return;
        }
        // 5. the unidentified paste it came with
        if let Some(&i) = self.index.get("").and_then(|v| v.first()) {
            self.pods[i].logs.push(log.scan);
            return;
        }
        // 6. the pods in trouble, when they are all of one workload and known only from a
        //    `get pods` table (a log pasted under the table, not a file of a full export)
        let troubled: Vec<usize> = self
            .troubled_workload()
            .into_iter()
            .filter(|&i| self.pods[i].containers.is_empty())
            .collect();
        if !troubled.is_empty() {
            for i in troubled {
                self.pods[i].logs.push(log.scan.clone());
            }
            return;
        }
        // 7. its own incident, named after the file
        let i = self.pod_index(log.namespace.as_deref(), stem);
        self.pods[i].logs.push(log.scan);
        self.pods[i].unidentified = true;
    }

    /// The named pods in trouble, when they all belong to one workload.
    fn troubled_workload(&self) -> Vec<usize> {
        let troubled: Vec<usize> = (0..self.pods.len())
            .filter(|&i| !self.pods[i].name.is_empty() && self.pods[i].troubled())
            .collect();
        let one_workload = troubled
            .windows(2)
            .all(|w| workload_of(&self.pods[w[0]].name) == workload_of(&self.pods[w[1]].name));
        if one_workload {
            troubled
        } else {
            Vec::new()
        }
    }

    /// An unidentified paste (name `""`) joins the named pods in trouble when they are all of
    /// one workload, or the only pod named at all; otherwise it stays an incident of its own.
    pub(super) fn resolve_anonymous(&mut self) {
        let Some(&anon) = self.index.get("").and_then(|v| v.first()) else {
            return;
        };
        let mut targets = self.troubled_workload();
        let named: Vec<usize> = (0..self.pods.len())
            .filter(|&i| !self.pods[i].name.is_empty())
            .collect();
        if targets.is_empty() && named.len() == 1 {
            targets = named;
        }
        if targets.is_empty() {
            self.pods[anon].unidentified = true;
            return;
        }
        let pod = std::mem::take(&mut self.pods[anon]);
        for i in targets {
            self.pods[i].absorb(&pod);
        }
        self.pods[anon].gone = true;
    }
}
